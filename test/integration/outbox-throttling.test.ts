// How the outbox worker treats Teams throttling it (429): the pause every send takes, and what
// a throttled send counts for. The worker's clock is the test's, so no assertion waits on time.
//
// Most 429s are the fake connector's answers as botbuilder's errors carry them (toDeliveryError);
// one test has the fake connector itself answer, through the real gateway, to show that
// botbuilder's own retry does not wait out a day-long Retry-After inside the send.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway, toDeliveryError } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { type Logger, silentLogger } from '../../src/logging';
import { OutboxWorker } from '../../src/jobs/outbox-worker';
import { MAX_THROTTLE_PAUSE_MS } from '../../src/jobs/send-pacing';
import { DeliveryError, type OutgoingMessage, type PersonTarget, type SentMessage, type TeamsGateway } from '../../src/jobs/teams-gateway';
import { OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { enqueueOutbox, getOutboxByKey, listOutbox } from '../../src/store/outbox.repo';
import { ADMIN_ALERT_KIND } from '../../src/services/admin-alerts';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

const DAY_SECONDS = 24 * 60 * 60;

/** What the fake connector's 429 becomes on its way out of botbuilder. */
const throttled = (retryAfterSeconds: number) => toDeliveryError({ statusCode: 429, message: 'Too many requests.', response: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } } });

/** The real gateway to the fake connector, answering the next personal sends with `failures` first, one each. */
class ThrottlingGateway implements TeamsGateway {
  readonly failures: DeliveryError[] = [];
  constructor(private readonly real: TeamsGateway) {}
  postToChannel(...args: Parameters<TeamsGateway['postToChannel']>): Promise<SentMessage> {
    return this.real.postToChannel(...args);
  }
  replyInThread(...args: Parameters<TeamsGateway['replyInThread']>): Promise<SentMessage> {
    return this.real.replyInThread(...args);
  }
  updateMessage(...args: Parameters<TeamsGateway['updateMessage']>): Promise<void> {
    return this.real.updateMessage(...args);
  }
  async sendToPerson(target: PersonTarget, message: OutgoingMessage): Promise<SentMessage> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    return this.real.sendToPerson(target, message);
  }
}

/** A logger that keeps what was logged (messages and fields), for checking what the worker said. */
function recordingLogger(lines: { msg: string; fields: Record<string, unknown> }[], bindings: Record<string, unknown> = {}): Logger {
  const record = (fields: Record<string, unknown>, msg: string) => void lines.push({ msg, fields: { ...bindings, ...fields } });
  return { debug: record, info: record, warn: record, error: record, child: (more) => recordingLogger(lines, { ...bindings, ...more }) };
}

describe(`outbox: Teams throttling the worker (${storeKind()})`, () => {
  let h: Harness;
  let clock: number;
  beforeEach(async () => {
    h = await startHarness({ jigsaw: { runWorker: false }, connector: { rateLimits: false } });
    clock = Date.now();
  });
  afterEach(() => h.stop());

  function worker(gateway: TeamsGateway, logger: Logger = silentLogger, options: { alertAfterAttempts?: number; leaseMs?: number } = {}): OutboxWorker {
    return new OutboxWorker(
      { db: h.db, concerns: h.app.concerns, gateway, logger, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId, now: () => new Date(clock), random: () => 1 },
      { pollMs: 60_000, alertAfterAttempts: options.alertAfterAttempts ?? 5, maxBackoffMs: 60_000, baseBackoffMs: 1_000, leaseMs: options.leaseMs },
    );
  }

  function realGateway(): TeamsGateway {
    return new BotbuilderGateway(createCloudAdapter(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger), '');
  }

  async function queueNotice(reference: string): Promise<string> {
    const idempotencyKey = `test:${reference}`;
    await enqueueOutbox(h.db, {
      tenantId: SCHOOL.tenantId,
      idempotencyKey,
      kind: OUTBOX_KINDS.reporterNotDelivered,
      targetKey: userTarget(PEOPLE.teacher.aadObjectId),
      payload: { reference, aadObjectId: PEOPLE.teacher.aadObjectId },
    });
    // Due now: the worker's clock starts when the store's did.
    clock = Math.max(clock, Date.now() + 1);
    return idempotencyKey;
  }

  it('pauses for at most the maximum when Teams asks for a day, says so in the log, and then delivers', async () => {
    const key = await queueNotice('C-2026-98001');
    const gateway = new ThrottlingGateway(realGateway());
    gateway.failures.push(throttled(DAY_SECONDS));
    const lines: { msg: string; fields: Record<string, unknown> }[] = [];
    const w = worker(gateway, recordingLogger(lines));
    const start = clock;

    expect(await w.drainOnce()).toBe(1);
    const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(row?.status).toBe('pending');
    // Tried again after the maximum pause, not after a day.
    expect(row!.nextAttemptAt.getTime() - start).toBe(MAX_THROTTLE_PAUSE_MS);
    const capped = lines.find((l) => /longer pause than Jigsaw honours/.test(l.msg));
    expect(capped?.fields).toMatchObject({ status: 429, retryAfterMs: DAY_SECONDS * 1000, pauseMs: MAX_THROTTLE_PAUSE_MS });
    // Ids and numbers only: nothing of the message (its reference, its recipient) is logged.
    expect(JSON.stringify(capped)).not.toMatch(/C-2026-98001|aadObjectId/);

    // Every send waits out the pause...
    clock = start + MAX_THROTTLE_PAUSE_MS - 1;
    expect(await w.drainOnce()).toBe(0);
    // ...and no longer.
    clock = start + MAX_THROTTLE_PAUSE_MS;
    expect(await w.drainOnce()).toBe(1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
    expect(h.fake.findByText('C-2026-98001')).toHaveLength(1);
  });

  it('is not held inside the send by botbuilder when Teams itself answers 429 with a day-long Retry-After', async () => {
    const key = await queueNotice('C-2026-98003');
    h.fake.failNext(1, 429, { retryAfterSeconds: DAY_SECONDS });
    // botbuilder's own retry would wait the day inside the send; the worker would then move on
    // only when the claim's lease is over, leaving the message claimed and nothing paused.
    const w = worker(realGateway(), silentLogger, { leaseMs: 10_000 });
    const start = clock;

    expect(await w.drainOnce()).toBe(1);
    // The 429 reached the outbox at once: the message is back in the queue, throttled, and due
    // after the outbox's capped pause.
    expect(await getOutboxByKey(h.db, SCHOOL.tenantId, key)).toMatchObject({
      status: 'pending',
      attempts: 1,
      throttledAttempts: 1,
      nextAttemptAt: new Date(start + MAX_THROTTLE_PAUSE_MS),
    });
    expect(h.fake.requests.filter((r) => r.status === 429)).toHaveLength(1);

    clock = start + MAX_THROTTLE_PAUSE_MS - 1;
    expect(await w.drainOnce()).toBe(0);
    clock = start + MAX_THROTTLE_PAUSE_MS;
    expect(await w.drainOnce()).toBe(1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
    expect(h.fake.findByText('C-2026-98003')).toHaveLength(1);
  });

  it('a burst of 429s is not a failure of the message: no admin alert, and its back-off does not grow', async () => {
    const key = await queueNotice('C-2026-98002');
    const gateway = new ThrottlingGateway(realGateway());
    for (let i = 0; i < 6; i++) gateway.failures.push(throttled(1));
    // Then one real failure, whose back-off shows how many failures the message has had.
    gateway.failures.push(new DeliveryError('Internal server error', 500));
    const w = worker(gateway, silentLogger, { alertAfterAttempts: 2 });

    for (let i = 0; i < 6; i++) {
      expect(await w.drainOnce()).toBe(1);
      const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
      // Sent again once the one-second pause is over, not after a growing back-off.
      expect(row).toMatchObject({ status: 'pending', nextAttemptAt: new Date(clock + 1000) });
      clock += 1000;
    }
    const afterBurst = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(afterBurst).toMatchObject({ attempts: 6, throttledAttempts: 6 });
    expect(afterBurst?.alertedAt).toBeUndefined();

    // The 500 is the message's first failure: the first step of the back-off (1 s with this
    // jitter), not the seventh (the 60 s maximum), and still short of the alert after two.
    expect(await w.drainOnce()).toBe(1);
    const afterFailure = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(afterFailure).toMatchObject({ status: 'pending', nextAttemptAt: new Date(clock + 1000) });
    expect(afterFailure?.alertedAt).toBeUndefined();

    clock += 1000;
    expect(await w.drainOnce()).toBe(1);
    expect((await getOutboxByKey(h.db, SCHOOL.tenantId, key))?.status).toBe('sent');
    expect(h.fake.findByText('C-2026-98002')).toHaveLength(1);
    // No admin was told anything failed.
    expect((await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.kind === ADMIN_ALERT_KIND)).toEqual([]);
  });
});
