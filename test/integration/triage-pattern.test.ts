import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { PATTERN_ALERT_KIND } from '../../src/services/pattern-alerts';
import { listOutbox } from '../../src/store/outbox.repo';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import { act, cardOf, reportAndAwaitCard } from '../support/triage';

const patternAlerts = (h: Harness) => h.fake.activitiesIn(SCHOOL.dslChannel.id).filter((m) => String(m.body.summary ?? '').startsWith('Pattern'));
/** The pattern alerts queued for the DSL channel (what the scan decided, before delivery). */
const queuedPatternAlerts = async (h: Harness) => (await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.kind === PATTERN_ALERT_KIND);

/**
 * A pattern scan of our own over everything reported so far (the background loop may or may not
 * have run one since), then every message it, or anything else, queued is delivered: what the
 * DSL channel shows afterwards is what the scan decided.
 */
async function scanAndDeliver(h: Harness): Promise<void> {
  await h.app.scheduler.tickOnce();
  await eventually(async () => (await listOutbox(h.db, SCHOOL.tenantId)).every((m) => m.status === 'sent'), 10_000, 'the outbox delivered');
}

describe(`pattern alerts: the jigsaw pieces put together (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false }, env: { SCHEDULER_POLL_MS: '40', PATTERN_THRESHOLD: '3', PATTERN_WINDOW_DAYS: '30' } });
  });
  afterAll(() => h.stop());

  it('alerts the DSL channel when a pupil reaches 3 concerns, listing the references, once per new concern', async () => {
    const a = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Zoë Brown' });
    const b = await reportAndAwaitCard(h, PEOPLE.dpo, { pupils: 'BROWN Zoe (4C)', category: 'unwanted-contact' });
    await scanAndDeliver(h);
    expect(await queuedPatternAlerts(h)).toEqual([]);
    expect(patternAlerts(h)).toHaveLength(0);
    const c = await reportAndAwaitCard(h, PEOPLE.head, { pupils: 'zoe brown', category: 'social-media' });
    const [alert] = await eventuallySome(() => patternAlerts(h), 10_000, 'pattern alert');
    const card = cardOf(alert);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('3 concerns about one pupil in 30 days');
    for (const ref of [a.reference, b.reference, c.reference]) expect(text).toContain(ref);
    expect(text).toContain('zoe brown');
    // No repeat for the same state of affairs, however many scans run.
    for (let scan = 0; scan < 3; scan++) await scanAndDeliver(h);
    expect(await queuedPatternAlerts(h)).toHaveLength(1);
    expect(patternAlerts(h)).toHaveLength(1);
    // A DSL linking the pupil to another concern adds a piece: a new alert with 4 references.
    const d = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Sam Other' });
    await act(h, PEOPLE.dsl1, d, TRIAGE_VERBS.takeOwnership);
    await act(h, PEOPLE.dsl1, d, TRIAGE_VERBS.link, { linkPupils: 'Zoe Brown' });
    const alerts = await eventuallySome(() => (patternAlerts(h).length >= 2 ? patternAlerts(h) : []), 10_000, 'second pattern alert');
    expect(cardText(cardOf(alerts[1]))).toContain(d.reference);
    expect(cardText(cardOf(alerts[1]))).toContain('4 concerns');
  });

  it('never counts concerns about adults', async () => {
    const adults: string[] = [];
    for (let i = 0; i < 3; i++) {
      adults.push((await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', category: 'concern-about-adult', pupils: 'Ali Khan', adultName: `Adult ${i}` })).concernId);
    }
    await scanAndDeliver(h);
    expect((await queuedPatternAlerts(h)).filter((m) => (m.payload.concernIds as string[]).some((id) => adults.includes(id)))).toEqual([]);
    expect(patternAlerts(h).filter((m) => JSON.stringify(m.body).includes('Ali Khan'))).toHaveLength(0);
  });
});
