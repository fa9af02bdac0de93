import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { TEAMS_MESSAGE_MAX_BYTES } from '../../src/cards/card-size';
import { messageBytes, REPORT_LIMITS } from '../../src/domain/concerns/validate-report';
import { TRIAGE_LIMITS } from '../../src/domain/concerns/triage';
import { adaptiveCardProblems, cardText, findActions } from '../support/card-validation';
import { type Harness, PEOPLE, startHarness } from '../support/harness';
import { act, awaitConcernDelivered, buttonData, openActions, pressInChannel, reportAndAwaitCard } from '../support/triage';
import { storeKind } from '../support/test-db';

const L = REPORT_LIMITS;
// Three bytes each in UTF-8, as in Chinese: the widest a character within the form's limits can be.
const zh = (n: number) => '报'.repeat(n);

/** The largest report intake accepts: what happened takes what the other answers leave of 12,000 bytes. */
function largestReport(): Record<string, string> {
  const others = { pupils: 'Jay Patel', childWords: zh(500), location: zh(L.locationMax), actionTaken: zh(500) };
  const used = Object.values(others).reduce((sum, t) => sum + messageBytes(t), 0);
  return { ...others, whatHappened: zh(Math.floor((L.narrativeBytesMax - used) / 3)) };
}

/** The invoke response as Teams measures it: its UTF-8 JSON. */
const responseBytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body), 'utf8');

describe(`a triage press on a concern too long for one Teams message (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());

  it('is answered with the shortened card, under 28 KB, saying it was recorded and keeping the actions', async () => {
    const report = largestReport();
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, report);
    await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.takeOwnership);
    // A chronology of several long notes (English, at the note's limit).
    for (let i = 0; i < 3; i++) await act(h, PEOPLE.dsl1, c, TRIAGE_VERBS.addNote, { note: `Note ${i}: ${'Spoke to the class teacher and to Jay about the messages. '.repeat(80)}`.slice(0, TRIAGE_LIMITS.noteMax) });

    const card = await openActions(h, PEOPLE.dsl1, c.concernId, c.activityId);
    const res = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.addNote, { ...buttonData(card, TRIAGE_VERBS.addNote), note: 'Called the parents.' });
    expect(res.status).toBe(200);
    expect(responseBytes(res.body)).toBeLessThanOrEqual(TEAMS_MESSAGE_MAX_BYTES);
    const answer = res.body.value;
    expect(adaptiveCardProblems(answer)).toEqual([]);
    const text = cardText(answer);
    expect(text).toContain('Recorded: Note added');
    expect(text).toContain('The full report is in the Jigsaw tab');
    expect(text).toContain(`Open concern ${c.reference} in the Jigsaw tab`);
    expect(text).toContain('Jay Patel');
    expect(text).not.toContain(report.whatHappened);
    expect(findActions(answer).map((a) => a.verb)).toEqual(
      expect.arrayContaining([TRIAGE_VERBS.addNote, TRIAGE_VERBS.recordAction, TRIAGE_VERBS.recordSharing, TRIAGE_VERBS.setRisk, TRIAGE_VERBS.link, TRIAGE_VERBS.close]),
    );
    // The action was recorded once, and the refreshed view (the automatic refresh) fits too.
    const notes = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM concern_events WHERE concern_id = $1 AND event_type = 'note-added'`, [c.concernId]);
    expect(Number(notes[0]!.n)).toBe(4);
    const refreshed = await pressInChannel(h, PEOPLE.dsl1, c.activityId, TRIAGE_VERBS.refresh, { concernId: c.concernId }, 'automatic');
    expect(responseBytes(refreshed.body)).toBeLessThanOrEqual(TEAMS_MESSAGE_MAX_BYTES);
    expect(cardText(refreshed.body.value)).toContain('The full report is in the Jigsaw tab');
    await awaitConcernDelivered(h, c.concernId);
  });
});
