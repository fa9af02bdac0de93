// A send that outlives its claim: Teams hangs on one worker's request (botbuilder waits out a
// Retry-After of 60 s up to three times, or a connection simply stalls) until the lease expires
// and another worker (another app instance) takes the message over and delivers it. When the
// first worker's request finally fails, its outcome must not undo the delivery: putting the row
// back to pending posted the message once more.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import { OutboxWorker } from '../../src/jobs/outbox-worker';
import { OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { claimDueOutbox, enqueueOutbox, getOutboxByKey, markOutboxSent, scheduleOutboxRetry } from '../../src/store/outbox.repo';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { Db } from '../../src/store/db';

/** A worker of its own on the harness's store and Teams (real botbuilder), drained by the test. */
function separateWorker(h: Harness, leaseMs: number, db: Db = h.db): OutboxWorker {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  return new OutboxWorker(
    { db, concerns: h.app.concerns, gateway: new BotbuilderGateway(createCloudAdapter(config, silentLogger), ''), logger: silentLogger, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId },
    { pollMs: 60_000, alertAfterAttempts: 5, maxBackoffMs: 60_000, leaseMs },
  );
}

describe(`outbox: an outcome that arrives after the claim was taken over (${storeKind()})`, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ jigsaw: { runWorker: false }, connector: { rateLimits: false } });
  });
  afterEach(() => h.stop());

  async function queueNotice(reference: string): Promise<string> {
    const idempotencyKey = `test:${reference}`;
    await enqueueOutbox(h.db, {
      tenantId: SCHOOL.tenantId,
      idempotencyKey,
      kind: OUTBOX_KINDS.reporterNotDelivered,
      targetKey: userTarget(PEOPLE.teacher.aadObjectId),
      payload: { reference, aadObjectId: PEOPLE.teacher.aadObjectId },
    });
    return idempotencyKey;
  }

  it('a late failure does not put a message another worker delivered back in the queue', async () => {
    const key = await queueNotice('C-2026-97001');
    const hold = h.fake.hold({ when: 'before-apply' });
    // Worker A's claim is short: it expires while Teams holds A's request.
    const first = separateWorker(h, 20).drainOnce();
    await hold.waitForHeld(1);
    hold.stop();

    // Worker B takes the message over and delivers it, once A's claim has expired (A renews it
    // while its request is unanswered, a bounded number of times).
    const b = separateWorker(h, 60_000);
    while ((await b.drainOnce()) === 0) await new Promise((r) => setTimeout(r, 20));
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
    const delivered = (await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.result;

    // Then A's request fails (Teams refuses it; 403 is not retried by botbuilder).
    h.fake.failNext(1, 403);
    hold.destroyAll();
    await first;

    const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(row?.status).toBe('sent');
    expect(row?.result).toEqual(delivered);
    expect(h.fake.findByText('C-2026-97001')).toHaveLength(1);
  });

  it('records an outcome only for the claim that is still current', async () => {
    const key = await queueNotice('C-2026-97002');
    const [stale] = await claimDueOutbox(h.db, new Date(), 10, 1);
    await new Promise((r) => setTimeout(r, 5)); // past the 1 ms lease
    const [current] = await claimDueOutbox(h.db, new Date(), 10, 60_000);
    expect(current?.outboxId).toBe(stale?.outboxId);

    expect(await scheduleOutboxRetry(h.db, stale!, new Date(), 'network: late')).toBe(false);
    expect(await markOutboxSent(h.db, stale!, { activityId: 'stale' }, new Date())).toBe(false);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sending');

    expect(await markOutboxSent(h.db, current!, { activityId: 'current' }, new Date())).toBe(true);
    expect(await scheduleOutboxRetry(h.db, current!, new Date(), 'network: after sent')).toBe(false);
    const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(row).toMatchObject({ status: 'sent', result: { activityId: 'current' } });
  });

  it('a delivery the store failed to record is not sent again as if it had failed', async () => {
    const key = await queueNotice('C-2026-97003');
    // The store refuses the one statement that records the delivery (a dropped connection, a failover).
    let refused = 0;
    const flaky: Db = {
      ...h.db,
      kind: h.db.kind,
      query: (text, params) => {
        if (text.includes("SET status = 'sent'") && refused++ === 0) return Promise.reject(new Error('connection terminated'));
        return h.db.query(text, params);
      },
    } as Db;
    expect(await separateWorker(h, 60_000, flaky).drainOnce()).toBe(1);
    expect(refused).toBe(1);
    expect(h.fake.findByText('C-2026-97003')).toHaveLength(1);
    // Not put back as a failure: the claim stands until its lease expires, and the message is
    // only then sent again, as a possible repeat (outbox-possible-repeat.test.ts).
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sending');
    expect(await separateWorker(h, 60_000).drainOnce()).toBe(0);
    expect(h.fake.findByText('C-2026-97003')).toHaveLength(1);
  });

  it('a send Teams never answers does not stop the worker, and its claim is kept while it waits', async () => {
    const key = await queueNotice('C-2026-97004');
    const hold = h.fake.hold({ when: 'before-apply' });
    const a = separateWorker(h, 2_000);
    const draining = a.drainOnce();
    await hold.waitForHeld(1);
    hold.stop();
    // The worker moves on after one lease (without this, drainOnce waited as long as the connection did)...
    await within(draining, 30_000, 'the worker moving on from an unanswered send');
    // ...while the message stays claimed: nobody sends it again while the request may still land.
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sending');
    expect(await separateWorker(h, 60_000).drainOnce()).toBe(0);

    // Teams answers at last: the delivery is recorded, once.
    hold.releaseAll();
    await until(async () => (await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status === 'sent');
    expect(h.fake.findByText('C-2026-97004')).toHaveLength(1);
  });
});

/** Fails with `what` unless `promise` settles within `ms` (a liveness deadline, not a timing). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not observed: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}
