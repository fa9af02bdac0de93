// The outbox worker sends a claimed batch (one message per conversation) several at a time, and
// shares the process's pacing for Teams with the AUP broadcast: one budget of requests per
// second, one gate that a 429 closes for both. Runs the real botbuilder client against the
// Teams connector fake.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import { OutboxWorker } from '../../src/jobs/outbox-worker';
import { createTeamsSendPacing, type PacingClock, type TeamsSendPacing } from '../../src/jobs/send-pacing';
import { OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { enqueueOutbox, listOutbox } from '../../src/store/outbox.repo';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import type { TestUser } from '../support/activities';

let queued = 0;
/** A reporter's "your concern has not reached … yet" card: rendered from the payload alone. */
async function queueNotice(h: Harness, to: TestUser, options: { bulk?: boolean } = {}): Promise<string> {
  queued += 1;
  const reference = `C-2026-${String(90000 + queued).padStart(5, '0')}`;
  await enqueueOutbox(h.db, {
    tenantId: SCHOOL.tenantId,
    idempotencyKey: `test:${reference}`,
    kind: OUTBOX_KINDS.reporterNotDelivered,
    targetKey: userTarget(to.aadObjectId),
    payload: { reference, aadObjectId: to.aadObjectId },
    bulk: options.bulk,
  });
  return reference;
}

const cardsFor = (h: Harness, reference: string) => h.fake.findByText(reference);

/** Fails with `what` unless `promise` settles within `ms` (a liveness deadline, not a timing). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not observed: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A worker of its own on the harness's store and Teams (real botbuilder), drained by the test. */
function separateWorker(h: Harness, options: { pacing?: TeamsSendPacing; concurrency: number }): OutboxWorker {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  return new OutboxWorker(
    { db: h.db, concerns: h.app.concerns, gateway: new BotbuilderGateway(createCloudAdapter(config, silentLogger), ''), logger: silentLogger, defaultServiceUrl: h.fake.serviceUrl, botId: SCHOOL.botId, pacing: options.pacing },
    { pollMs: 60_000, alertAfterAttempts: 5, maxBackoffMs: 60_000, concurrency: options.concurrency },
  );
}

describe(`outbox worker: concurrent sends and shared pacing (${storeKind()})`, () => {
  let h: Harness;
  beforeEach(async () => {
    // The worker does not run on its own: each test drains it.
    h = await startHarness({ jigsaw: { runWorker: false }, env: { OUTBOX_CONCURRENCY: '3' }, connector: { rateLimits: false } });
  });
  afterEach(() => h.stop());

  it('has messages to different people in flight at once, while one person receives theirs in order', async () => {
    const first = await queueNotice(h, PEOPLE.teacher);
    await queueNotice(h, PEOPLE.dsl1);
    await queueNotice(h, PEOPLE.dsl2);
    const second = await queueNotice(h, PEOPLE.teacher);
    const hold = h.fake.hold({ match: (req) => req.operation === 'sendToConversation' || req.operation === 'replyToActivity', when: 'before-apply' });

    const draining = h.app.worker.drainOnce();
    const held = await within(hold.waitForHeld(3), 10_000, 'three sends in flight at once');
    expect(new Set(held.map((r) => r.info.conversationId)).size).toBe(3);
    hold.stop();
    hold.releaseAll();
    expect(await draining).toBe(3);
    // The teacher's second message was not claimed with the first: it goes in the next batch.
    expect(cardsFor(h, second)).toHaveLength(0);
    expect(await h.app.worker.drainOnce()).toBe(1);

    const teacherChat = h.fake.activitiesIn(h.personalConversationId(PEOPLE.teacher)).map((m) => JSON.stringify(m.body));
    expect(teacherChat.findIndex((b) => b.includes(first))).toBeLessThan(teacherChat.findIndex((b) => b.includes(second)));
    expect((await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.status !== 'sent')).toEqual([]);
  });

  it('closes the AUP broadcast\'s gate when Teams throttles the outbox, and waits when the broadcast was throttled', async () => {
    // botbuilder does not retry the jobs' sends: Teams' first answer is what the worker sees.
    h.fake.failNext(1, 429, { retryAfterSeconds: 30 });
    const throttled = await queueNotice(h, PEOPLE.teacher);
    expect(await h.app.worker.drainOnce()).toBe(1);
    expect(cardsFor(h, throttled)).toHaveLength(0);
    // The broadcast sender checks this gate before every send (aup-sender.ts).
    expect(h.app.aup.sender.gate.remainingMs()).toBeGreaterThan(20_000);

    // And the other way round: while the gate is closed the outbox sends nothing.
    const waiting = await queueNotice(h, PEOPLE.dsl1);
    expect(await h.app.worker.drainOnce()).toBe(0);
    expect(cardsFor(h, waiting)).toHaveLength(0);
    const pending = (await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.status === 'pending');
    expect(pending.map((m) => m.payload.reference).sort()).toEqual([throttled, waiting].sort());
  });

  it('counts every send in the shared budget: safeguarding messages go at once, bulk notices wait their turn', async () => {
    // A separate worker on the same store and Teams, with pacing on a clock that only moves when someone waits.
    let clockMs = 0;
    const waits: number[] = [];
    const clock: PacingClock = { now: () => clockMs, sleep: async (ms) => void (waits.push(ms), (clockMs += ms)) };
    const worker = separateWorker(h, { pacing: createTeamsSendPacing(1, clock), concurrency: 3 });

    const urgent = [await queueNotice(h, PEOPLE.teacher), await queueNotice(h, PEOPLE.dsl1), await queueNotice(h, PEOPLE.dsl2)];
    expect(await worker.drainOnce()).toBe(3);
    for (const reference of urgent) expect(cardsFor(h, reference)).toHaveLength(1);
    expect(waits).toEqual([]);

    // Three sends at one a second left the budget in debt: the bulk notice waits for it.
    const bulk = await queueNotice(h, PEOPLE.head, { bulk: true });
    expect(await worker.drainOnce()).toBe(1);
    expect(cardsFor(h, bulk)).toHaveLength(1);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2_000);
  });

  it('starts the safeguarding message of a claimed batch before the bulk notices claimed with it', async () => {
    const bulk = [await queueNotice(h, PEOPLE.teacher, { bulk: true }), await queueNotice(h, PEOPLE.dsl1, { bulk: true }), await queueNotice(h, PEOPLE.dsl2, { bulk: true })];
    const urgent = await queueNotice(h, PEOPLE.head);
    expect(await separateWorker(h, { concurrency: 1 }).drainOnce()).toBe(4);

    const sentOrder = h.fake.allSent().map((op) => [urgent, ...bulk].find((reference) => JSON.stringify(op.body ?? '').includes(reference))).filter(Boolean);
    expect(sentOrder).toEqual([urgent, ...bulk]);
  });
});
