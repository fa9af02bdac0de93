import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import * as accessLogRepo from '../../src/store/access-log.repo';
import { listAccessLog } from '../../src/store/access-log.repo';
import { adaptiveCardProblems, cardText, findActions } from '../support/card-validation';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';
import { act, buttonData, openActions, pressInChannel, reportAndAwaitCard } from '../support/triage';

async function notes(h: Harness, concernId: string): Promise<number> {
  return (await h.db.query(`SELECT 1 FROM concern_events WHERE concern_id = $1 AND event_type = 'note-added'`, [concernId])).length;
}

/**
 * What a DSL is told matches what was recorded. Once an action has committed, nothing that
 * fails afterwards (showing the concern again) may answer "nothing was changed": the DSL would
 * record it a second time. The access-log row of the action is written in its transaction.
 */
describe(`the answer to a triage action matches the record (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());
  afterEach(() => jest.restoreAllMocks());

  it('answers "Recorded" when the concern cannot be shown after the action committed', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const card = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    // The store cannot render the concern (a read fails), after the transaction has committed.
    jest.spyOn(h.app.concerns, 'getForCard').mockRejectedValue(new Error('connection reset'));
    const res = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, { ...buttonData(card, TRIAGE_VERBS.addNote), note: 'Spoke to Amelia at lunch; she is safe at home.' });
    jest.restoreAllMocks();

    expect(res.status).toBe(200);
    const answer = res.body.value;
    expect(cardText(answer)).toContain('Recorded: Note added');
    expect(cardText(answer)).not.toContain('nothing was changed');
    expect(cardText(answer)).not.toContain('Amelia');
    expect(adaptiveCardProblems(answer)).toEqual([]);
    expect(findActions(answer).map((a) => a.verb)).toEqual([TRIAGE_VERBS.refresh]);
    expect(await notes(h, c.concernId)).toBe(1);
    expect((await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'allowed' })).filter((e) => e.verb === TRIAGE_VERBS.addNote)).toHaveLength(1);
    // The concern opens again once the store answers.
    expect(cardText(await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId))).toContain('Spoke to Amelia at lunch');
  });

  it('records the action and its access-log row together: when the audit cannot be written, nothing is recorded and the DSL is told so', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    const card = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    const press = { ...buttonData(card, TRIAGE_VERBS.addNote), note: 'Called the family.' };
    const real = accessLogRepo.logAccess;
    jest.spyOn(accessLogRepo, 'logAccess').mockImplementation(async (db, e) => {
      if (e.outcome === 'allowed' && e.verb === TRIAGE_VERBS.addNote) throw new Error('disk full');
      return real(db, e);
    });
    const failed = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, press);
    jest.restoreAllMocks();
    expect(cardText(failed.body.value)).toContain('nothing was changed');
    expect(await notes(h, c.concernId)).toBe(0);

    // Pressed again (the same card, the same action id): recorded once, and audited.
    const again = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, press);
    expect(cardText(again.body.value)).toContain('Recorded: Note added');
    expect(await notes(h, c.concernId)).toBe(1);
    expect((await listAccessLog(h.db, SCHOOL.tenantId, { concernId: c.concernId, outcome: 'allowed' })).filter((e) => e.verb === TRIAGE_VERBS.addNote)).toHaveLength(1);
  });
});
