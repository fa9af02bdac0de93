import { REPORT_VERBS } from '../../src/cards/report-card';
import { DSL_CHANNEL_TARGET, OUTBOX_KINDS } from '../../src/services/report-concern';
import { listOutbox } from '../../src/store/outbox.repo';
import type { Db } from '../../src/store/db';
import type { FakeRequestInfo } from '../fakes/teams-connector';
import { cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';

const DETAILS = {
  about: 'pupil',
  category: 'online-bullying',
  pupils: 'Zoë Brown',
  whatHappened: 'Zoë was sent threatening messages overnight by an older pupil.',
  occurredOn: '2026-11-20',
  location: 'Online, Instagram',
  urgency: 'standard',
};

const toDslChannel = (req: FakeRequestInfo) =>
  (req.conversationId ?? '').startsWith(SCHOOL.dslChannel.id) || JSON.stringify(req.body ?? '').includes(SCHOOL.dslChannel.id);

async function report(h: Harness, n: number): Promise<string> {
  const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, submissionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
  const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0];
  if (!reference) throw new Error(`no receipt: ${JSON.stringify(res.body).slice(0, 300)}`);
  return reference;
}

/** The concern's own card in the DSL channel (not, say, a pattern alert that lists its reference). */
const channelPostsOf = (h: Harness, reference: string) =>
  h.fake.findByText(`"text":"Concern ${reference}"`).filter((m) => m.conversationId === SCHOOL.dslChannel.id);

const undelivered = async (db: Db) => (await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.status !== 'sent');

/**
 * Waits until the outbox has delivered everything, then stops the worker, which waits for any
 * delivery in progress: from then on nothing more reaches Teams, so what the fake shows is final.
 */
async function deliveredAndStopped(h: Harness, timeoutMs: number): Promise<void> {
  await eventually(async () => (await undelivered(h.db)).length === 0, timeoutMs, 'the outbox delivered');
  await h.app.worker.stop();
}

describe(`outbox delivery to Teams (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('delivers exactly once after a crash between commit and send', async () => {
    // First life: the concern is committed and the receipt given, but the process dies before the worker sends.
    const first = await startHarness({ db, env: { OUTBOX_POLL_MS: '60000' }, connector: { rateLimits: false } });
    await first.app.worker.stop();
    const reference = await report(first, 1);
    expect(channelPostsOf(first, reference)).toHaveLength(0);
    const pending = (await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.status !== 'sent');
    expect(pending.length).toBeGreaterThan(0);
    await first.app.stop();

    // Second life on the same store (and the same Teams): the outbox drains, one card per concern.
    const second = await startHarness({ db, fake: first.fake, registerChannel: false });
    try {
      await eventuallySome(() => channelPostsOf(second, reference), 10_000, 'the card after restart');
      await deliveredAndStopped(second, 10_000);
      expect(channelPostsOf(second, reference)).toHaveLength(1);
      expect(await undelivered(db)).toEqual([]);
    } finally {
      await second.stop();
      await first.fake.stop();
    }
  });

  it('retries through a connector returning 500 and then 429, in order and exactly once', async () => {
    const h = await startHarness({ db, env: { OUTBOX_MIN_BACKOFF_MS: '50', OUTBOX_MAX_BACKOFF_SECONDS: '1' }, connector: { rateLimits: false } });
    try {
      // Each answer is one outbox attempt: botbuilder does not retry the jobs' sends itself.
      h.fake.failNext(6, 500, { match: toDslChannel });
      h.fake.failNext(5, 429, { match: toDslChannel, retryAfterSeconds: 1 });
      const references = [await report(h, 2), await report(h, 3), await report(h, 4)];
      for (const reference of references) await eventuallySome(() => channelPostsOf(h, reference), 20_000, `card ${reference}`);
      await deliveredAndStopped(h, 20_000);
      const statuses = h.fake.counters().byStatus;
      expect(statuses['500']).toBeGreaterThan(0);
      expect(statuses['429']).toBeGreaterThan(0);
      for (const reference of references) expect(channelPostsOf(h, reference)).toHaveLength(1);
      // In the order they were reported.
      const order = h.fake.activitiesIn(SCHOOL.dslChannel.id).map((m) => /C-\d{4}-\d{5}/.exec(JSON.stringify(m.body))?.[0]).filter((r) => references.includes(r!));
      expect(order).toEqual(references);
    } finally {
      await h.stop();
    }
  });

  it('keeps trying when delivery keeps failing, tells the reporter and the admins, and delivers when Teams recovers', async () => {
    const h = await startHarness({ db, env: { OUTBOX_MIN_BACKOFF_MS: '20', OUTBOX_MAX_BACKOFF_SECONDS: '1', OUTBOX_ALERT_AFTER_ATTEMPTS: '2' }, connector: { rateLimits: false } });
    try {
      const stop = h.fake.failWhile(toDslChannel, 403, { code: 'BotNotInConversationRoster' });
      const reference = await report(h, 5);
      const teacherChat = h.personalConversationId(PEOPLE.teacher);
      await eventually(() => h.fake.findByText('has not reached the DSL team yet').some((m) => m.conversationId === teacherChat), 10_000, 'reporter told');
      await eventually(() => h.fake.findByText('Jigsaw needs attention').some((m) => m.conversationId === h.personalConversationId(PEOPLE.admin)), 10_000, 'admin alerted');
      // The alert says plainly that Teams refuses (not that it is unreachable), and what to change.
      const alert = h.fake.findByText('Jigsaw needs attention').find((m) => m.conversationId === h.personalConversationId(PEOPLE.admin));
      expect(JSON.stringify(alert?.body)).toContain('Teams refused a message from Jigsaw to the DSL channel (HTTP 403)');
      expect(JSON.stringify(alert?.body)).toContain('This will not fix itself');
      expect(JSON.stringify(alert?.body)).toContain('add the Jigsaw app back to that team');
      // Told once, not at every retry: two more attempts run to completion after the alert (the
      // worker finishes an attempt, its alert included, before it claims the next one)...
      const post = async () => (await listOutbox(db, SCHOOL.tenantId)).find((m) => m.idempotencyKey.endsWith(':dsl-channel') && m.status !== 'sent');
      const attemptsAtAlert = (await post())!.attempts;
      await eventually(async () => ((await post())?.attempts ?? 0) >= attemptsAtAlert + 3, 10_000, 'two more attempts after the alert');
      // ...and whatever they queued for anyone but the (failing) DSL channel has been delivered.
      await eventually(async () => (await undelivered(db)).every((m) => m.targetKey === DSL_CHANNEL_TARGET), 10_000, 'the other messages delivered');
      expect((await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.kind === OUTBOX_KINDS.reporterNotDelivered && m.payload.reference === reference)).toHaveLength(1);
      expect(h.fake.findByText('has not reached the DSL team yet').filter((m) => m.conversationId === teacherChat)).toHaveLength(1);
      const row = await post();
      expect(row?.attempts).toBeGreaterThanOrEqual(2);
      stop();
      await eventuallySome(() => channelPostsOf(h, reference), 10_000, 'card after recovery');
      expect(channelPostsOf(h, reference)).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });

  it("tells the reporter of a concern about an adult that it has not reached the headteacher, and points to the headteacher or the LADO, never to a DSL", async () => {
    const h = await startHarness({ db, env: { OUTBOX_MIN_BACKOFF_MS: '20', OUTBOX_MAX_BACKOFF_SECONDS: '1' }, connector: { rateLimits: false } });
    try {
      const headChat = h.personalConversationId(PEOPLE.head);
      const stop = h.fake.failWhile((req) => req.conversationId === headChat || JSON.stringify(req.body ?? '').includes(PEOPLE.head.teamsId), 403, { code: 'BotNotInConversationRoster' });
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
        ...DETAILS,
        about: 'adult',
        category: 'concern-about-adult',
        adultName: 'J. Smith, teaching assistant',
        pupils: '',
        submissionId: '00000000-0000-4000-8000-000000000031',
      });
      const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
      const teacherChat = h.personalConversationId(PEOPLE.teacher);
      const [told] = await eventuallySome(() => h.fake.findByText(reference).filter((m) => m.conversationId === teacherChat && JSON.stringify(m.body).includes('has not reached')), 10_000, 'reporter told');
      const text = cardText((told.body.attachments as { content: unknown }[])[0].content);
      expect(text).toContain('Your concern has not reached the headteacher yet');
      expect(text).toContain('Local Authority Designated Officer (LADO)');
      expect(text).not.toMatch(/DSL|Designated Safeguarding Lead/);
      expect(JSON.stringify(told.body)).not.toMatch(/DSL|Designated Safeguarding Lead/);
      stop();
    } finally {
      await h.stop();
    }
  });

  it("does not tell the reporter that a concern has not arrived when only a secondary copy (the DPO's) fails", async () => {
    const h = await startHarness({ db, env: { OUTBOX_MIN_BACKOFF_MS: '20', OUTBOX_MAX_BACKOFF_SECONDS: '1' }, connector: { rateLimits: false } });
    try {
      const dpoChat = h.personalConversationId(PEOPLE.dpo);
      const stop = h.fake.failWhile((req) => req.conversationId === dpoChat || JSON.stringify(req.body ?? '').includes(PEOPLE.dpo.teamsId), 403, { code: 'BotNotInConversationRoster' });
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, category: 'data-breach', submissionId: '00000000-0000-4000-8000-000000000032' });
      const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0];
      await eventuallySome(() => channelPostsOf(h, reference), 10_000, 'the channel card');
      // The admins are told (the DPO's copy is failing), in the transaction that would also
      // have queued the reporter's notice: once their alert exists, so would the notice.
      const dpoCopy = async () => (await listOutbox(db, SCHOOL.tenantId)).find((m) => m.kind === OUTBOX_KINDS.concernToPerson && m.payload.role === 'dpo' && m.status !== 'sent' && m.alertedAt);
      await eventually(dpoCopy, 10_000, "the DPO's copy alerted on");
      await eventually(() => h.fake.findByText(reference).some((m) => m.conversationId === h.personalConversationId(PEOPLE.admin)), 10_000, 'admin alerted');
      expect((await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.kind === OUTBOX_KINDS.reporterNotDelivered && m.payload.reference === reference)).toEqual([]);
      expect(h.fake.findByText('has not reached').filter((m) => m.conversationId === h.personalConversationId(PEOPLE.teacher) && JSON.stringify(m.body).includes(reference))).toEqual([]);
      stop();
    } finally {
      await h.stop();
    }
  });

  it('holds a concern while no DSL channel is registered and posts it after setup', async () => {
    const fresh = await createTestDb();
    const h = await startHarness({ db: fresh, registerChannel: false, connector: { rateLimits: false } });
    try {
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, submissionId: '00000000-0000-4000-8000-000000000099' });
      const text = cardText(res.body.value);
      expect(text).toContain('Not delivered yet: the DSL channel is not set up');
      const reference = /C-\d{4}-\d{5}/.exec(text)![0];
      // A delivery pass of our own: the post is not claimed (the background worker's passes
      // would have taken it out of 'held' too), so nothing reaches the channel.
      await h.app.worker.drainOnce();
      expect((await listOutbox(fresh, SCHOOL.tenantId)).filter((m) => m.targetKey === DSL_CHANNEL_TARGET).map((m) => m.status)).toEqual(['held']);
      expect(channelPostsOf(h, reference)).toHaveLength(0);
      await h.inChannel(PEOPLE.admin, '<at>Jigsaw</at> setup');
      await eventuallySome(() => channelPostsOf(h, reference), 10_000, 'card after setup');
    } finally {
      await h.stop();
      await fresh.close();
    }
  });
});
