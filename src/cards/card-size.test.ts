import { CATEGORY_IDS } from '../domain/concerns/categories';
import type { Concern } from '../domain/concerns/concern';
import { TRIAGE_OUTCOMES } from '../domain/concerns/triage';
import { messageBytes, REPORT_LIMITS } from '../domain/concerns/validate-report';
import { possibleRepeatText } from '../jobs/triage-deliveries';
import { adaptiveCardProblems, cardText, findActions } from '../../test/support/card-validation';
import { card, text } from './card-kit';
import { CARD_ENVELOPE_BYTES, CARD_MAX_BYTES, cardBytes, firstThatFits, fitsInTeams, TEAMS_MESSAGE_MAX_BYTES } from './card-size';
import { buildConcernBaseCard, buildTriageActionCard, buildTriageActionCardForTeams, MAX_REFRESH_USERS, TRIAGE_VERBS, type TriageActionView, type TriageEventView } from './triage-card';

/** Teams refuses a message over 28 KB with HTTP 413 (test/fakes/teams-connector models it). */
const TEAMS_MAX_BYTES = TEAMS_MESSAGE_MAX_BYTES;
/**
 * The activity around the card: type, ids, channelData, summary. Measured at about 430 bytes
 * for a channel post (createConversation) against the Teams connector fake; counted twice over.
 */
const ENVELOPE_BYTES = CARD_ENVELOPE_BYTES;
/** What the largest card must leave free under Teams' limit. */
const MARGIN_BYTES = 2 * 1024;

// Three bytes each in UTF-8: the widest a character can be within the form's character limits.
const wide = (n: number) => '报'.repeat(n);
/** Entra allows 256 characters in a display name (reporter, owner, last actor). */
const LONGEST_NAME = wide(256);
/** Teams user ids (29:…) run to about 90 characters; 60 is the refresh list's cap. */
const REFRESH_IDS = Array.from({ length: MAX_REFRESH_USERS }, (_, i) => `29:${String(i).padStart(97, 'x')}`);

/** A concern whose narrative is exactly at the byte limit, in three-byte characters. */
function concernAtTheLimit(category: Concern['category'], about: Concern['about'], urgency: Concern['urgency']): Concern {
  const adultName = about === 'adult' ? wide(REPORT_LIMITS.adultNameMax) : undefined;
  const pupils = about === 'pupil' ? Array.from({ length: 10 }, () => wide(98)) : [];
  const location = wide(REPORT_LIMITS.locationMax);
  const childWords = wide(REPORT_LIMITS.childWordsMax / 4);
  const actionTaken = wide(REPORT_LIMITS.actionTakenMax / 4);
  const used = [adultName ?? '', pupils.join(', '), location, childWords, actionTaken].reduce((sum, t) => sum + messageBytes(t), 0);
  const whatHappened = wide(Math.floor((REPORT_LIMITS.narrativeBytesMax - used) / 3));
  return {
    tenantId: '6f1c2b3a-0000-4000-8000-000000000001',
    concernId: '0b9e0c1e-7a53-4d2c-9d7e-2f4c2b1a0001',
    reference: 'C-2026-99999',
    reporter: { aadObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a', name: LONGEST_NAME },
    recipient: about === 'pupil' ? 'dsl-team' : about === 'adult' ? 'headteacher' : 'chair',
    status: 'in-progress',
    createdAt: new Date('2026-11-22T10:00:00Z'),
    pupils,
    about,
    adultName,
    category,
    whatHappened,
    childWords,
    occurredOn: '2026-11-21',
    occurredTime: '23:59',
    location,
    actionTaken,
    urgency,
  };
}

/** The largest message a concern's card can make: the longest names, 60 refresh ids, the repeat text. */
function largestMessageBytes(concern: Concern, options: { shortened?: boolean } = {}): number {
  const longestOutcome = TRIAGE_OUTCOMES.reduce((a, b) => (b.title.length > a.title.length ? b : a));
  const card = buildConcernBaseCard({
    concern,
    receivedAt: '22 Nov 2026, 10:00',
    occurredAt: '21 Nov 2026, 23:59',
    triage: {
      status: concern.status,
      ownerName: LONGEST_NAME,
      riskLevel: 'medium',
      lastAction: { type: 'closed', details: { outcome: longestOutcome.id }, actorName: LONGEST_NAME, at: '22 Nov 2026, 10:05' },
    },
    refreshUserIds: REFRESH_IDS,
  }, options);
  return Buffer.byteLength(JSON.stringify(card)) + messageBytes(possibleRepeatText(concern.reference)) + ENVELOPE_BYTES;
}

describe("the concern card stays under Teams' 28 KB with the narrative at its limit", () => {
  const variants = CATEGORY_IDS.flatMap((category) =>
    (category === 'concern-about-adult' ? (['adult', 'headteacher'] as const) : (['pupil', 'adult', 'headteacher'] as const)).flatMap((about) =>
      (['urgent', 'standard'] as const).map((urgency) => concernAtTheLimit(category, about, urgency)),
    ),
  );

  it('fills the narrative to the limit in every variant (the test measures what it means to)', () => {
    for (const c of variants) {
      const narrative = [c.adultName ?? '', c.pupils.join(', '), c.whatHappened, c.childWords ?? '', c.location, c.actionTaken ?? ''].reduce((sum, t) => sum + messageBytes(t), 0);
      expect(narrative).toBeGreaterThan(REPORT_LIMITS.narrativeBytesMax - 3);
      expect(narrative).toBeLessThanOrEqual(REPORT_LIMITS.narrativeBytesMax);
    }
  });

  it(`leaves at least ${MARGIN_BYTES} bytes free in the largest card (every category, about whom, urgency)`, () => {
    const largest = Math.max(...variants.map((c) => largestMessageBytes(c)));
    expect(largest).toBeLessThanOrEqual(TEAMS_MAX_BYTES - MARGIN_BYTES);
  });
});

describe('the shortened card (sent when Teams refuses the full one as too large)', () => {
  /** A concern stored before the byte limit: every answer at its character limit, in Chinese. */
  const legacy = (about: Concern['about']): Concern => ({
    ...concernAtTheLimit('data-breach', about, 'urgent'),
    pupils: about === 'pupil' ? Array.from({ length: 10 }, () => wide(98)) : [],
    whatHappened: wide(REPORT_LIMITS.whatHappenedMax),
    childWords: wide(REPORT_LIMITS.childWordsMax),
    actionTaken: wide(REPORT_LIMITS.actionTakenMax),
  });

  it('fits where the full card does not, whatever the long answers hold', () => {
    for (const about of ['pupil', 'adult', 'headteacher'] as const) {
      expect(largestMessageBytes(legacy(about))).toBeGreaterThan(TEAMS_MAX_BYTES);
      expect(largestMessageBytes(legacy(about), { shortened: true })).toBeLessThanOrEqual(TEAMS_MAX_BYTES - MARGIN_BYTES);
    }
  });
});

describe('measuring a card as Teams does (card-size.ts)', () => {
  it('counts the UTF-8 bytes of the JSON, not its characters', () => {
    const ascii = card([text('abc')]);
    const chinese = card([text('报报报')]);
    expect(cardBytes(ascii)).toBe(Buffer.byteLength(JSON.stringify(ascii)));
    expect(cardBytes(chinese) - cardBytes(ascii)).toBe(6); // three characters, three bytes each instead of one
    expect(cardBytes('"')).toBe(4); // a quote is escaped in JSON
  });

  it('keeps 28 KB, less the envelope, as the most a card may weigh', () => {
    expect(TEAMS_MESSAGE_MAX_BYTES).toBe(28 * 1024);
    expect(CARD_MAX_BYTES).toBe(TEAMS_MESSAGE_MAX_BYTES - CARD_ENVELOPE_BYTES);
    const filler = (bytes: number) => card([text('x'.repeat(bytes - cardBytes(card([text('')]))))]);
    expect(cardBytes(filler(CARD_MAX_BYTES))).toBe(CARD_MAX_BYTES);
    expect(fitsInTeams(filler(CARD_MAX_BYTES))).toBe(true);
    expect(fitsInTeams(filler(CARD_MAX_BYTES + 1))).toBe(false);
  });

  it('answers the first card that fits, builds no more than it needs, and the last when none fits', () => {
    const big = () => card([text('x'.repeat(CARD_MAX_BYTES))]);
    const small = () => card([text('small')]);
    const built: string[] = [];
    const track = (name: string, render: () => ReturnType<typeof card>) => () => (built.push(name), render());
    expect(firstThatFits([track('a', small), track('b', big)])).toEqual({ card: small(), step: 0 });
    expect(built).toEqual(['a']);
    built.length = 0;
    expect(firstThatFits([track('a', big), track('b', big), track('c', small), track('d', small)])).toEqual({ card: small(), step: 2 });
    expect(built).toEqual(['a', 'b', 'c']);
    expect(firstThatFits([big, big]).step).toBe(1);
    expect(() => firstThatFits([])).toThrow();
  });
});

describe('the action card answered to a triage press fits in a Teams message', () => {
  let ids = 0;
  /** The action card of the largest concern intake accepts, after `events` notes at their limit. */
  const actionView = (concern: Concern, events: TriageEventView[], extra: Partial<TriageActionView> = {}): TriageActionView => ({
    concern,
    receivedAt: '22 Nov 2026, 10:00',
    occurredAt: '21 Nov 2026, 23:59',
    triage: { status: 'in-progress', ownerName: LONGEST_NAME, riskLevel: 'high', lastAction: { type: 'note-added', details: {}, actorName: LONGEST_NAME, at: '22 Nov 2026, 10:05' } },
    refreshUserIds: REFRESH_IDS,
    events,
    totalEvents: events.length + 2,
    linked: [],
    samePupil: [],
    newActionId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    flash: { style: 'good', title: 'Recorded: Note added' },
    ...extra,
  });
  const note = (i: number, chars: number): TriageEventView => ({ at: `22 Nov 2026, 10:0${i}`, actorName: LONGEST_NAME, type: 'note-added', details: { note: wide(chars) } });
  const actionVerbs = [TRIAGE_VERBS.addNote, TRIAGE_VERBS.recordAction, TRIAGE_VERBS.recordSharing, TRIAGE_VERBS.setRisk, TRIAGE_VERBS.link, TRIAGE_VERBS.close];

  it('answers the full card when it fits', () => {
    const small = actionView({ ...concernAtTheLimit('online-bullying', 'pupil', 'standard'), whatHappened: 'Short.', childWords: undefined, actionTaken: undefined }, [note(1, 20)], { refreshUserIds: [] });
    const { card: answer, shortened } = buildTriageActionCardForTeams(small);
    expect(shortened).toBe(false);
    expect(cardText(answer)).toContain('Short.');
    expect(cardText(answer)).not.toContain('The full report is in the Jigsaw tab');
  });

  it('with the narrative at its limit and a few notes: the shortened card, with the flash and the actions', () => {
    const concern = concernAtTheLimit('online-bullying', 'pupil', 'urgent');
    const view = actionView(concern, [note(1, 100), note(2, 100), note(3, 100)]);
    expect(cardBytes(buildTriageActionCard(view))).toBeGreaterThan(TEAMS_MAX_BYTES); // the defect: the full card cannot be shown
    const { card: answer, shortened } = buildTriageActionCardForTeams(view);
    expect(shortened).toBe(true);
    expect(cardBytes(answer)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(adaptiveCardProblems(answer)).toEqual([]);
    const shown = cardText(answer);
    expect(shown).toContain('Recorded: Note added');
    expect(shown).toContain('The full report is in the Jigsaw tab');
    expect(shown).toContain(`Open concern ${concern.reference} in the Jigsaw tab`);
    expect(shown).not.toContain(concern.whatHappened);
    // The notes fit once the long answers are out: the chronology is shown whole.
    expect(shown).toContain(wide(100));
    expect(findActions(answer).map((a) => a.verb)).toEqual(expect.arrayContaining(actionVerbs));
  });

  it('with eight notes at their limit too: the chronology without its words, then without the chronology, never over the limit', () => {
    for (const about of ['pupil', 'adult', 'headteacher'] as const) {
      const concern = concernAtTheLimit('online-bullying', about, 'urgent');
      for (const chars of [1000, 4000]) {
        const view = actionView(concern, Array.from({ length: 8 }, (_, i) => note(i, chars)));
        const { card: answer, shortened } = buildTriageActionCardForTeams(view);
        expect(shortened).toBe(true);
        expect(cardBytes(answer)).toBeLessThanOrEqual(CARD_MAX_BYTES);
        expect(adaptiveCardProblems(answer)).toEqual([]);
        const shown = cardText(answer);
        expect(shown).toContain('Recorded: Note added');
        expect(shown).toContain('The full report is in the Jigsaw tab');
        expect(shown).toMatch(/Too long for a Teams message, so (what was recorded with each event|it) is not shown here/);
        expect(shown).not.toContain(wide(chars));
        expect(findActions(answer).map((a) => a.verb)).toEqual(expect.arrayContaining(actionVerbs));
      }
    }
  });

  it('keeps a form shown open with what was typed', () => {
    const concern = concernAtTheLimit('online-bullying', 'pupil', 'standard');
    const typed = wide(2000);
    const view = actionView(concern, Array.from({ length: 8 }, (_, i) => note(i, 4000)), {
      flash: undefined,
      form: { kind: 'add-note', values: { note: typed }, errors: { note: 'The concern was closed meanwhile.' } },
    });
    const { card: answer } = buildTriageActionCardForTeams(view);
    expect(cardBytes(answer)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(JSON.stringify(answer)).toContain(typed);
    expect(findActions(answer).map((a) => a.verb)).toContain(TRIAGE_VERBS.addNote);
  });

  it('lists fewer people to give access to, saying so, before it gives up the actions', () => {
    const concern = concernAtTheLimit('concern-about-adult', 'adult', 'standard');
    const candidates = Array.from({ length: 200 }, (_, i) => ({ aadObjectId: `0b9e0c1e-7a53-4d2c-9d7e-${String(i).padStart(12, '0')}`, name: `Firstname Lastname-Longer ${i}` }));
    const view = actionView(concern, [note(1, 100)], { access: { participants: [], canGrant: true, candidates, moreCandidates: false } });
    const { card: answer, shortened } = buildTriageActionCardForTeams(view);
    expect(shortened).toBe(true);
    expect(cardBytes(answer)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(adaptiveCardProblems(answer)).toEqual([]);
    expect(cardText(answer)).toContain('Only the first 25 people by name are listed here');
    expect(cardText(answer)).toContain('Recorded: Note added');
    expect(findActions(answer).map((a) => a.verb)).toEqual(expect.arrayContaining([...actionVerbs, TRIAGE_VERBS.addParticipant]));
  });

  it('as a last resort, a short card that still says what was recorded, keeps a form typed in, and opens the actions', () => {
    const concern = concernAtTheLimit('concern-about-adult', 'adult', 'standard');
    // More than the action card can carry, whatever it leaves out: 200 people with the longest names.
    const candidates = Array.from({ length: 200 }, (_, i) => ({ aadObjectId: `0b9e0c1e-7a53-4d2c-9d7e-${String(i).padStart(12, '0')}`, name: LONGEST_NAME }));
    const access = { participants: [], canGrant: true, candidates, moreCandidates: false };
    const recorded = buildTriageActionCardForTeams(actionView(concern, [note(1, 100)], { access }));
    expect(recorded.shortened).toBe(true);
    expect(cardBytes(recorded.card)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(adaptiveCardProblems(recorded.card)).toEqual([]);
    expect(cardText(recorded.card)).toContain('Recorded: Note added');
    expect(cardText(recorded.card)).toContain('The full report is in the Jigsaw tab');
    expect(findActions(recorded.card).map((a) => a.verb)).toEqual([TRIAGE_VERBS.refresh]);

    const typed = wide(4000);
    const refused = buildTriageActionCardForTeams(actionView(concern, [], { access, flash: undefined, form: { kind: 'add-note', values: { note: typed }, errors: { note: 'The concern was closed meanwhile.' } } }));
    expect(cardBytes(refused.card)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(adaptiveCardProblems(refused.card)).toEqual([]);
    expect(JSON.stringify(refused.card)).toContain(typed);
    expect(findActions(refused.card).map((a) => a.verb)).toEqual(expect.arrayContaining([TRIAGE_VERBS.addNote, TRIAGE_VERBS.refresh]));
  });
});
