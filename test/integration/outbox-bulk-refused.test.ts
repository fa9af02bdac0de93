// A bulk notice (a sharing-audit summary or owner digest) that Teams refuses for good is given
// up after BULK_REFUSALS_BEFORE_ABANDONING refusals, counted and told to the admins; anything
// about a concern is tried for ever. The worker's clock is the test's: no assertion waits on time.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import { MetricsRegistry } from '../../src/metrics';
import { BULK_REFUSALS_BEFORE_ABANDONING, createOutboxMetrics, OutboxWorker, type OutboxMetrics } from '../../src/jobs/outbox-worker';
import { OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { listOpenAdminAlerts } from '../../src/store/alert.repo';
import { enqueueOutbox, getOutboxByKey } from '../../src/store/outbox.repo';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

describe(`outbox: a bulk notice Teams refuses for good (${storeKind()})`, () => {
  let h: Harness;
  let clock: number;
  let metrics: OutboxMetrics;
  beforeEach(async () => {
    h = await startHarness({ jigsaw: { runWorker: false }, connector: { rateLimits: false } });
    clock = Date.now();
    metrics = createOutboxMetrics(new MetricsRegistry());
  });
  afterEach(() => h.stop());

  function worker(): OutboxWorker {
    const gateway = new BotbuilderGateway(createCloudAdapter(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger), '');
    return new OutboxWorker(
      { db: h.db, concerns: h.app.concerns, gateway, logger: silentLogger, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId, now: () => new Date(clock), random: () => 1, metrics },
      { pollMs: 60_000, alertAfterAttempts: 100, maxBackoffMs: 60_000, baseBackoffMs: 1_000 },
    );
  }

  async function queueNotice(reference: string, options: { bulk?: boolean } = {}): Promise<string> {
    const idempotencyKey = `test:${reference}`;
    await enqueueOutbox(h.db, {
      tenantId: SCHOOL.tenantId,
      idempotencyKey,
      kind: OUTBOX_KINDS.reporterNotDelivered,
      targetKey: userTarget(PEOPLE.teacher.aadObjectId),
      payload: { reference, aadObjectId: PEOPLE.teacher.aadObjectId },
      bulk: options.bulk,
    });
    clock = Math.max(clock, Date.now() + 1);
    return idempotencyKey;
  }

  /** Claims the message again as soon as it is due, `times` times. */
  async function attempt(w: OutboxWorker, key: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
      clock = Math.max(clock, row!.nextAttemptAt.getTime());
      expect(await w.drainOnce()).toBeGreaterThanOrEqual(1);
    }
  }

  it('gives a refused bulk notice up, counts it, and lets the next message to that person through', async () => {
    const notice = await queueNotice('C-2026-96001', { bulk: true });
    const refusing = h.fake.failWhile((req) => JSON.stringify(req.body ?? '').includes('C-2026-96001'), 403, { code: 'BotNotInConversationRoster' });
    const w = worker();

    await attempt(w, notice, BULK_REFUSALS_BEFORE_ABANDONING - 1);
    expect(await getOutboxByKey(h.db, SCHOOL.tenantId, notice)).toMatchObject({ status: 'pending', refusedAttempts: BULK_REFUSALS_BEFORE_ABANDONING - 1 });
    // The admins were told at the first refusal, and that it will be given up.
    const [alert] = (await listOpenAdminAlerts(h.db, SCHOOL.tenantId)).filter((a) => a.kind === 'delivery-failing');
    expect(alert?.message).toMatch(new RegExp(`not a concern: Jigsaw tries it again, and gives up on it once Teams has refused it ${BULK_REFUSALS_BEFORE_ABANDONING} times`));

    await attempt(w, notice, 1);
    expect(await getOutboxByKey(h.db, SCHOOL.tenantId, notice)).toMatchObject({
      status: 'abandoned',
      refusedAttempts: BULK_REFUSALS_BEFORE_ABANDONING,
      lastError: '403: Teams does not let the bot message this person (app not installed or blocked)',
    });
    expect(metrics.abandoned.valueOf({ kind: OUTBOX_KINDS.reporterNotDelivered })).toBe(1);

    // Given up, it no longer holds back the person's later messages (a conversation's go in order).
    refusing();
    const next = await queueNotice('C-2026-96002');
    clock += 60_000;
    expect(await w.drainOnce()).toBe(1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, next))?.status).toBe('sent');
    expect(h.fake.findByText('C-2026-96001')).toHaveLength(0);
  });

  it('keeps trying a message that is not a bulk notice, however often Teams refuses it', async () => {
    const key = await queueNotice('C-2026-96003');
    const refusing = h.fake.failWhile((req) => JSON.stringify(req.body ?? '').includes('C-2026-96003'), 404);
    const w = worker();

    await attempt(w, key, BULK_REFUSALS_BEFORE_ABANDONING + 2);
    expect(await getOutboxByKey(h.db, SCHOOL.tenantId, key)).toMatchObject({ status: 'pending', refusedAttempts: BULK_REFUSALS_BEFORE_ABANDONING + 2 });
    expect(metrics.abandoned.valueOf({ kind: OUTBOX_KINDS.reporterNotDelivered })).toBe(0);

    refusing();
    await attempt(w, key, 1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
  });

  it('keeps trying a bulk notice through failures that are not refusals (5xx, 401)', async () => {
    const key = await queueNotice('C-2026-96004', { bulk: true });
    h.fake.failNext(BULK_REFUSALS_BEFORE_ABANDONING, 500, { match: (req) => JSON.stringify(req.body ?? '').includes('C-2026-96004') });
    h.fake.failNext(BULK_REFUSALS_BEFORE_ABANDONING, 401, { match: (req) => JSON.stringify(req.body ?? '').includes('C-2026-96004') });
    const w = worker();

    await attempt(w, key, 2 * BULK_REFUSALS_BEFORE_ABANDONING);
    expect(await getOutboxByKey(h.db, SCHOOL.tenantId, key)).toMatchObject({ status: 'pending', refusedAttempts: 0 });
    await attempt(w, key, 1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
  });
});
