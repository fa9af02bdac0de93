import { CATEGORY_IDS } from '../domain/concerns/categories';
import type { Concern } from '../domain/concerns/concern';
import { TRIAGE_OUTCOMES } from '../domain/concerns/triage';
import { messageBytes, REPORT_LIMITS } from '../domain/concerns/validate-report';
import { possibleRepeatText } from '../jobs/triage-deliveries';
import { buildConcernBaseCard, MAX_REFRESH_USERS } from './triage-card';

/** Teams refuses a message over 28 KB with HTTP 413 (test/fakes/teams-connector models it). */
const TEAMS_MAX_BYTES = 28 * 1024;
/**
 * The activity around the card: type, ids, channelData, summary. Measured at about 430 bytes
 * for a channel post (createConversation) against the Teams connector fake; counted twice over.
 */
const ENVELOPE_BYTES = 1024;
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
