// What the outbox keeps of a failed send: Teams' error messages (and botbuilder's, which can
// echo the card or the response body) may carry a name, so the row and the log keep only the
// HTTP status and fixed words for it.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { type Logger, silentLogger } from '../../src/logging';
import { OutboxWorker } from '../../src/jobs/outbox-worker';
import { OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { enqueueOutbox, getOutboxByKey } from '../../src/store/outbox.repo';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

const NAME_IN_ERROR = 'Teams could not post to Jessica Pupilname-Example';

/** A logger that keeps what was logged, bindings included. */
function recordingLogger(lines: unknown[], bindings: Record<string, unknown> = {}): Logger {
  const record = (fields: Record<string, unknown>, msg: string) => void lines.push({ msg, ...bindings, ...fields });
  return { debug: record, info: record, warn: record, error: record, child: (more) => recordingLogger(lines, { ...bindings, ...more }) };
}

describe(`outbox: the reason kept for a failed send (${storeKind()})`, () => {
  let h: Harness;
  let clock: number;
  beforeEach(async () => {
    h = await startHarness({ jigsaw: { runWorker: false }, connector: { rateLimits: false } });
    clock = Date.now();
  });
  afterEach(() => h.stop());

  function worker(logger: Logger): OutboxWorker {
    const gateway = new BotbuilderGateway(createCloudAdapter(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger), '');
    return new OutboxWorker(
      { db: h.db, concerns: h.app.concerns, gateway, logger, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId, now: () => new Date(clock), random: () => 1 },
      { pollMs: 60_000, alertAfterAttempts: 5, maxBackoffMs: 60_000, baseBackoffMs: 1_000 },
    );
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
    clock = Math.max(clock, Date.now() + 1);
    return idempotencyKey;
  }

  it.each([
    [403, 'Teams does not let the bot message this person (app not installed or blocked)'],
    [500, 'Teams had a server error'],
    [429, 'throttled'],
  ])('a %i whose message names someone leaves only the status and fixed words in the row and the log', async (status, words) => {
    const key = await queueNotice(`C-2026-9710${status % 10}`);
    h.fake.failNext(1, status, { message: NAME_IN_ERROR, retryAfterSeconds: status === 429 ? 1 : undefined });
    const lines: unknown[] = [];

    expect(await worker(recordingLogger(lines)).drainOnce()).toBe(1);
    const row = await getOutboxByKey(h.db, SCHOOL.tenantId, key);
    expect(row).toMatchObject({ status: 'pending', lastError: `${status}: ${words}` });
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('Pupilname');
  });
});
