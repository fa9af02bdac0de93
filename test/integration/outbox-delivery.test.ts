import { REPORT_VERBS } from '../../src/cards/report-card';
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
      await new Promise((r) => setTimeout(r, 300));
      expect(channelPostsOf(second, reference)).toHaveLength(1);
      expect((await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.status !== 'sent')).toEqual([]);
    } finally {
      await second.stop();
      await first.fake.stop();
    }
  });

  it('retries through a connector returning 500 and then 429, in order and exactly once', async () => {
    const h = await startHarness({ db, env: { OUTBOX_MIN_BACKOFF_MS: '50', OUTBOX_MAX_BACKOFF_SECONDS: '1' }, connector: { rateLimits: false } });
    try {
      // botbuilder itself retries each call 3 times, so these span several outbox attempts.
      h.fake.failNext(6, 500, { match: toDslChannel });
      h.fake.failNext(5, 429, { match: toDslChannel, retryAfterSeconds: 1 });
      const references = [await report(h, 2), await report(h, 3), await report(h, 4)];
      for (const reference of references) await eventuallySome(() => channelPostsOf(h, reference), 20_000, `card ${reference}`);
      await new Promise((r) => setTimeout(r, 300));
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
      // Told once, not at every retry.
      await new Promise((r) => setTimeout(r, 500));
      expect(h.fake.findByText('has not reached the DSL team yet').filter((m) => m.conversationId === teacherChat)).toHaveLength(1);
      const row = (await listOutbox(db, SCHOOL.tenantId)).find((m) => m.idempotencyKey.endsWith(':dsl-channel') && m.status !== 'sent');
      expect(row?.attempts).toBeGreaterThanOrEqual(2);
      stop();
      await eventuallySome(() => channelPostsOf(h, reference), 10_000, 'card after recovery');
      expect(channelPostsOf(h, reference)).toHaveLength(1);
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
      await new Promise((r) => setTimeout(r, 300));
      expect(channelPostsOf(h, reference)).toHaveLength(0);
      await h.inChannel(PEOPLE.admin, '<at>Jigsaw</at> setup');
      await eventuallySome(() => channelPostsOf(h, reference), 10_000, 'card after setup');
    } finally {
      await h.stop();
      await fresh.close();
    }
  });
});
