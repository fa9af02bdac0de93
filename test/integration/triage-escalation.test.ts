import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { listTimers } from '../../src/store/timer.repo';
import type { Db } from '../../src/store/db';
import type { TeamsConnectorFake } from '../fakes/teams-connector';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { act, awaitConcernDelivered, cardOf, REPORT_DETAILS, reportAndAwaitCard } from '../support/triage';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { randomUUID } from 'node:crypto';
import { runEscalationTimers } from '../../src/jobs/escalation-timers';
import { applyTriageAction } from '../../src/services/triage-concern';
import { silentLogger } from '../../src/logging';

const MINUTE = 60_000;

/** A clock the test moves; it starts at the real time so the store's own now() is never ahead. */
function testClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => (offset += ms) };
}

const chatOf = (fake: TeamsConnectorFake, who: { aadObjectId: string }) => fake.personalConversationId(who.aadObjectId);

async function escalationEvents(db: Db, concernId: string): Promise<string[]> {
  const rows = await db.query<{ event_type: string }>('SELECT event_type FROM concern_events WHERE concern_id = $1 ORDER BY seq', [concernId]);
  return rows.map((r) => r.event_type);
}

describe(`escalation of urgent concerns (${storeKind()})`, () => {
  let db: Db;
  let fake: TeamsConnectorFake;
  const env = { SCHEDULER_POLL_MS: '40', ESCALATION_FIRST_MINUTES: '15', ESCALATION_SECOND_MINUTES: '10' };

  beforeAll(async () => {
    db = await createTestDb();
    // One Teams for both lives of the app; built as the harness would.
    const first = await startHarness({ db, connector: { rateLimits: false } });
    fake = first.fake;
    // Keep the fake: stop only the app (the harness owns the fake it created, so detach it).
    await first.app.stop();
  });
  afterAll(async () => {
    await fake.stop();
    await db.close();
  });

  const start = (clock: ReturnType<typeof testClock>): Promise<Harness> => startHarness({ db, fake, env, now: clock.now, registerChannel: false });

  it('fires after a restart: every DSL @mentioned and messaged at the first interval, the headteacher at the second', async () => {
    const clock = testClock();
    // First life: the urgent concern is reported and posted; nobody acknowledges; the app stops.
    const first = await start(clock);
    const c = await reportAndAwaitCard(first, PEOPLE.teacher, { urgency: 'urgent', category: 'grooming' });
    await eventually(async () => (await listTimers(db, SCHOOL.tenantId, c.concernId)).length === 1, 5000, 'timer armed');
    const [armed] = await listTimers(db, SCHOOL.tenantId, c.concernId);
    expect(armed).toMatchObject({ kind: 'escalate-dsls', status: 'pending' });
    expect(armed.dueAt.getTime() - (await createdAt(db, c.concernId))).toBe(15 * MINUTE);
    await first.app.stop();

    // Nothing fires early.
    clock.advance(14 * MINUTE);
    const early = await start(clock);
    // A pass of our own at this time (the background loop may or may not have run one yet).
    expect(await early.app.scheduler.tickOnce()).toEqual({ escalations: 0, patternAlerts: 0 });
    expect(await escalationEvents(db, c.concernId)).toEqual(['reported']);
    await early.app.stop();

    // Second life, 16 minutes after the report: the timer in the store fires.
    clock.advance(2 * MINUTE);
    const second = await start(clock);
    try {
      await eventually(async () => (await escalationEvents(db, c.concernId)).includes('escalated'), 10_000, 'first escalation');
      // Re-posted in the channel, with a reply @mentioning every DSL.
      const reposts = await eventuallySome(
        () => fake.findByText(c.reference).filter((m) => m.conversationId === SCHOOL.dslChannel.id && String(m.body.summary ?? '').includes('not acknowledged')),
        10_000,
        'the re-post',
      );
      expect(adaptiveCardProblems(cardOf(reposts[0]))).toEqual([]);
      const mention = await eventuallySome(
        () => fake.allSent().filter((op) => JSON.stringify(op.body).includes(c.reference) && op.conversationId.includes(`messageid=${reposts[0].activityId}`) && Array.isArray(op.body.entities) && op.body.entities.length > 0),
        10_000,
        'the @mention reply',
      );
      const mentioned = (mention[0].body.entities as { mentioned: { name: string } }[]).map((e) => e.mentioned.name).sort();
      expect(mentioned).toEqual(['Ari Admin', 'Dana Lead', 'Priya Deputy']);
      // And personally to each DSL.
      for (const dsl of [PEOPLE.dsl1, PEOPLE.dsl2, PEOPLE.admin]) {
        const [personal] = await eventuallySome(() => fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, dsl)), 10_000, `personal message to ${dsl.name}`);
        expect(String(personal.body.text)).toContain('has not been acknowledged for 16 minutes');
        expect(adaptiveCardProblems(cardOf(personal))).toEqual([]);
      }
      // The headteacher has not been told yet.
      expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.head))).toHaveLength(0);
      await second.app.stop();

      // Third life, 11 minutes later: still unacknowledged, so the headteacher, without case details.
      clock.advance(11 * MINUTE);
      const third = await start(clock);
      try {
        const [toHead] = await eventuallySome(() => fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.head)), 10_000, 'headteacher escalation');
        const text = cardText(cardOf(toHead));
        expect(text).toContain('URGENT concern not acknowledged');
        expect(text).toContain('27 minutes');
        expect(text).not.toContain('Amelia');
        expect(text).not.toContain('group chat');
        expect(adaptiveCardProblems(cardOf(toHead))).toEqual([]);
        expect(await escalationEvents(db, c.concernId)).toEqual(['reported', 'escalated', 'escalated']);
        const timers = await listTimers(db, SCHOOL.tenantId, c.concernId);
        expect(timers.map((t) => [t.kind, t.status])).toEqual([
          ['escalate-dsls', 'fired'],
          ['escalate-headteacher', 'fired'],
        ]);
        // The escalation updated every card; the DSLs' messages kept their words (Teams replaces
        // the whole message on update, so an update with the card alone would erase them).
        for (const dsl of [PEOPLE.dsl1, PEOPLE.dsl2, PEOPLE.admin]) {
          const [personal] = fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, dsl));
          await eventuallySome(() => fake.allSent().filter((op) => op.kind === 'update' && op.activityId === personal.activityId), 10_000, `update of ${dsl.name}'s message`);
          expect(String(fake.findByText(c.reference).find((m) => m.activityId === personal.activityId)?.body.text)).toContain('has not been acknowledged for 16 minutes');
        }
        // Fired once each, however many passes run.
        for (let pass = 0; pass < 3; pass++) expect((await third.app.scheduler.tickOnce()).escalations).toBe(0);
        expect(await escalationEvents(db, c.concernId)).toEqual(['reported', 'escalated', 'escalated']);
        expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.head))).toHaveLength(1);
      } finally {
        await third.app.stop();
      }
    } finally {
      await second.app.stop().catch(() => undefined);
    }
  });

  it('stops escalating once a DSL acknowledges (from the escalation message or the channel)', async () => {
    const clock = testClock();
    const h = await start(clock);
    try {
      const c = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'urgent', category: 'harmful-content' });
      await eventually(async () => (await listTimers(db, SCHOOL.tenantId, c.concernId)).length === 1, 5000, 'timer armed');
      await act(h, PEOPLE.dsl2, c, TRIAGE_VERBS.takeOwnership);
      const timers = await listTimers(db, SCHOOL.tenantId, c.concernId);
      expect(timers.map((t) => t.status)).toEqual(['cancelled']);
      clock.advance(40 * MINUTE);
      await h.app.scheduler.tickOnce();
      expect(await escalationEvents(db, c.concernId)).toEqual(['reported', 'acknowledged']);
      expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.dsl1))).toHaveLength(0);
    } finally {
      await h.app.stop();
    }
  });

  it("sends none of an escalation's messages once a DSL has acknowledged the concern, even if they were queued before", async () => {
    const clock = testClock();
    const h = await start(clock);
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'urgent', category: 'grooming' });
    await eventually(async () => (await listTimers(db, SCHOOL.tenantId, c.concernId)).length === 1, 5000, 'timer armed');
    await awaitConcernDelivered(h, c.concernId);
    const concerns = h.app.concerns;
    // The first post's @mention reply asked the DSLs to acknowledge it; nothing more may.
    const alarms = () => fake.activitiesIn(SCHOOL.dslChannel.id).filter((m) => JSON.stringify(m.body).includes(c.reference) && /not acknowledged|please acknowledge/.test(JSON.stringify(m.body)));
    const alarmsBefore = alarms().length;
    // The app stops (nothing is delivered): both stages fire and queue their messages, then a DSL
    // acknowledges before any of them reaches Teams (Teams slow, throttling, or down).
    await h.app.stop();
    const deps = { db, concerns, now: clock.now, escalation: { firstMinutes: 15, secondMinutes: 10 }, logger: silentLogger };
    clock.advance(16 * MINUTE);
    await runEscalationTimers(deps, { batch: 20, leaseMs: MINUTE });
    clock.advance(11 * MINUTE);
    await runEscalationTimers(deps, { batch: 20, leaseMs: MINUTE });
    expect(await escalationEvents(db, c.concernId)).toEqual(['reported', 'escalated', 'escalated']);
    const acknowledged = await applyTriageAction(
      { db, concerns, now: clock.now, patterns: { threshold: 3, windowDays: 30 } },
      { tenantId: SCHOOL.tenantId, concernId: c.concernId, actor: { aadObjectId: PEOPLE.dsl1.aadObjectId, name: PEOPLE.dsl1.name }, command: { kind: 'take-ownership' }, actionId: randomUUID(), verb: TRIAGE_VERBS.takeOwnership },
    );
    expect(acknowledged.kind).toBe('applied');
    const again = await start(clock);
    try {
      await awaitConcernDelivered(again, c.concernId);
      // Nobody is told "not acknowledged, please acknowledge it now": not the DSLs, not the headteacher, not the channel.
      for (const who of [PEOPLE.dsl1, PEOPLE.dsl2, PEOPLE.admin, PEOPLE.head]) {
        expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, who))).toEqual([]);
      }
      expect(alarms()).toHaveLength(alarmsBefore);
      // The channel card shows who acknowledged it.
      expect(cardText(cardOf(fake.findByText(c.reference).find((m) => m.activityId === c.activityId)!))).toContain(PEOPLE.dsl1.name);
    } finally {
      await again.app.stop();
    }
  });

  /** Both stages fire while the app is stopped, so the headteacher's notice waits in the outbox. */
  async function escalateWhileStopped(clock: ReturnType<typeof testClock>) {
    const h = await start(clock);
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'urgent', category: 'grooming' });
    await eventually(async () => (await listTimers(db, SCHOOL.tenantId, c.concernId)).length === 1, 5000, 'timer armed');
    await awaitConcernDelivered(h, c.concernId);
    await h.app.stop();
    const deps = { db, concerns: h.app.concerns, now: clock.now, escalation: { firstMinutes: 15, secondMinutes: 10 }, logger: silentLogger };
    clock.advance(16 * MINUTE);
    await runEscalationTimers(deps, { batch: 20, leaseMs: MINUTE });
    clock.advance(11 * MINUTE);
    await runEscalationTimers(deps, { batch: 20, leaseMs: MINUTE });
    expect(await escalationEvents(db, c.concernId)).toEqual(['reported', 'escalated', 'escalated']);
    return c;
  }

  it('tells whoever is the headteacher when the notice is sent, never a headteacher whose role has passed on', async () => {
    const clock = testClock();
    const c = await escalateWhileStopped(clock);
    // The role passes on (here in the configuration, at restart, to someone already on the staff)
    // before Teams takes the notice.
    const newHead = PEOPLE.dpo;
    const again = await startHarness({ db, fake, env: { ...env, HEADTEACHER_AAD_ID: newHead.aadObjectId }, now: clock.now, registerChannel: false });
    try {
      const [toNewHead] = await eventuallySome(() => fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, newHead)), 10_000, 'the new headteacher told');
      expect(cardText(cardOf(toNewHead))).toContain('URGENT concern not acknowledged');
      await awaitConcernDelivered(again, c.concernId);
      expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.head))).toEqual([]);
    } finally {
      await again.app.stop();
    }
  });

  it('with no headteacher left when the notice is sent, tells the admins instead of the former headteacher', async () => {
    const clock = testClock();
    const c = await escalateWhileStopped(clock);
    const again = await startHarness({ db, fake, env: { ...env, HEADTEACHER_AAD_ID: '' }, now: clock.now, registerChannel: false });
    try {
      await eventually(
        async () => (await db.query('SELECT 1 FROM admin_alerts WHERE subject_ref = $1 AND kind = $2', [c.reference, 'no-headteacher'])).length === 1,
        10_000,
        'the admins alerted',
      );
      await awaitConcernDelivered(again, c.concernId);
      expect(fake.findByText(c.reference).filter((m) => m.conversationId === chatOf(fake, PEOPLE.head))).toEqual([]);
    } finally {
      await again.app.stop();
    }
  });

  it('does not escalate a standard concern, or an urgent one about an adult', async () => {
    const clock = testClock();
    const h = await start(clock);
    try {
      const standard = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'standard' });
      const adult = await reportAndAwaitCard(h, PEOPLE.teacher, { urgency: 'urgent', about: 'adult', category: 'concern-about-adult', pupils: '', adultName: 'Mr X, caretaker' });
      clock.advance(60 * MINUTE);
      await h.app.scheduler.tickOnce();
      expect(await listTimers(db, SCHOOL.tenantId, standard.concernId)).toEqual([]);
      expect(await listTimers(db, SCHOOL.tenantId, adult.concernId)).toEqual([]);
    } finally {
      await h.app.stop();
    }
  });
});

async function createdAt(db: Db, concernId: string): Promise<number> {
  const [row] = await db.query<{ created_at: string | Date }>('SELECT created_at FROM concerns WHERE concern_id = $1', [concernId]);
  return new Date(row.created_at).getTime();
}

describe(`escalation of an urgent concern that has reached no DSL (${storeKind()})`, () => {
  it('with no DSL channel set up, tells the headteacher at the first interval, saying the DSL team does not have it', async () => {
    const clock = testClock();
    const h = await startHarness({ connector: { rateLimits: false }, env: { SCHEDULER_POLL_MS: '40', ESCALATION_FIRST_MINUTES: '15', ESCALATION_SECOND_MINUTES: '10' }, now: clock.now, registerChannel: false });
    try {
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...REPORT_DETAILS, urgency: 'urgent', category: 'grooming', submissionId: randomUUID() });
      const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body?.value))?.[0] ?? '';
      const [{ concern_id: concernId }] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1', [reference]);
      await eventually(async () => (await listTimers(h.db, SCHOOL.tenantId, concernId)).length === 1, 5000, 'timer armed');
      clock.advance(16 * MINUTE);
      // Two passes of our own at this time (the background loop may run some too): the DSL stage,
      // which reaches nobody, then the headteacher's, without waiting ESCALATION_SECOND_MINUTES.
      await h.app.scheduler.tickOnce();
      await h.app.scheduler.tickOnce();
      expect((await listTimers(h.db, SCHOOL.tenantId, concernId)).map((t) => [t.kind, t.status])).toEqual([
        ['escalate-dsls', 'fired'],
        ['escalate-headteacher', 'fired'],
      ]);
      const [toHead] = await eventuallySome(() => h.fake.findByText(reference).filter((m) => m.conversationId === chatOf(h.fake, PEOPLE.head)), 10_000, 'headteacher escalation');
      const text = cardText(cardOf(toHead));
      expect(text).toContain('has not reached the DSL team: no DSL channel is set up');
      expect(text).not.toContain('Nobody in the DSL team has acknowledged');
      expect(text).not.toContain('Amelia');
      expect(adaptiveCardProblems(cardOf(toHead))).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
