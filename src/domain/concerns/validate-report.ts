import { isCalendarDate, localDateTime } from '../clock';
import { cleanLine, cleanText } from '../text';
import { isCategoryId } from './categories';
import { CONCERN_ABOUT, type ConcernAbout, type ConcernReport, type Urgency } from './concern';

/** The report card's input ids. The card, its parser and this validator share them. */
export const REPORT_FIELDS = [
  'pupils',
  'about',
  'adultName',
  'category',
  'whatHappened',
  'childWords',
  'occurredOn',
  'occurredTime',
  'location',
  'actionTaken',
  'urgency',
] as const;
export type ReportField = (typeof REPORT_FIELDS)[number];
/** What the user typed, cleaned, field by field; kept to re-show the card when it has errors. */
export type ReportValues = Partial<Record<ReportField, string>>;
export type ReportErrors = Partial<Record<ReportField, string>>;

export const REPORT_LIMITS = {
  pupilsMaxCount: 20,
  pupilNameMax: 100,
  pupilsMax: 1000,
  whatHappenedMin: 10,
  whatHappenedMax: 4000,
  childWordsMax: 2000,
  locationMax: 200,
  actionTakenMax: 2000,
  adultNameMax: 200,
  oldestYears: 20,
  /**
   * The whole narrative (every free-text answer the concern card shows: pupils, the adult,
   * what happened, the child's words, where, the action taken) in bytes as Teams receives it:
   * UTF-8 inside JSON, where a line break, quote or backslash takes two. The limits above count
   * characters, and a character of Chinese or Hindi takes three bytes: a report within them
   * made a 30 KB card, and Teams refuses a message over 28 KB (HTTP 413). The message adds at
   * most about 14 KB of its own (labels and notices, 60 refresh user ids, 256-character names,
   * the triage summary, which does not grow with the chronology, the possible-repeat text, the
   * activity around the card), so 12,000 keeps the largest message 2.5 KB under 28 KB
   * (src/cards/card-size.test.ts); a usual one is about 16 KB. A report in English within the
   * character limits is 9,400 bytes at most (plus one per line break or quote): not affected.
   */
  narrativeBytesMax: 12_000,
} as const;

/** The answers that make up the narrative, in the order the card shows them. */
const NARRATIVE_FIELDS = ['adultName', 'pupils', 'whatHappened', 'childWords', 'location', 'actionTaken'] as const;

/** A text's size in a Teams message: UTF-8 bytes as JSON carries it (a line break or quote takes two). */
export function messageBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/** How many characters must go from the end of `text` to save `excess` bytes (Infinity if all of it would not do). */
function charactersToCut(text: string, excess: number): number {
  const chars = Array.from(text);
  let saved = 0;
  for (let cut = 1; cut <= chars.length; cut++) {
    saved += messageBytes(chars[chars.length - cut]!);
    if (saved >= excess) return cut;
  }
  return Infinity;
}

export type ValidationResult =
  | { ok: true; report: ConcernReport; values: ReportValues }
  | { ok: false; errors: ReportErrors; values: ReportValues };

/** Cleans every known field; unknown keys are dropped. Non-string values become strings. */
export function cleanReportValues(raw: Record<string, unknown>): ReportValues {
  const values: ReportValues = {};
  for (const field of REPORT_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    const multiline = field === 'whatHappened' || field === 'childWords' || field === 'actionTaken' || field === 'pupils';
    values[field] = multiline ? cleanText(value) : cleanLine(value);
  }
  return values;
}

/** Pupil names from the free-text field: one per line, or separated by commas or semicolons. */
export function splitPupilNames(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((name) => name.replace(/\s+/g, ' ').trim())
    .filter((name) => name.length > 0);
}

/** Nothing is pre-selected under "Who is it about?": staff must choose, and are told how. */
export const ABOUT_REQUIRED = 'Choose who the concern is about: a pupil or pupils, an adult who works in the school (staff, volunteer or contractor), or the headteacher.';

/**
 * Checks a submitted report. Messages say what to fix, next to the field at fault; the
 * cleaned values always come back so the card can be re-shown with everything kept.
 */
export function validateReport(raw: Record<string, unknown>, now: Date, timeZone: string): ValidationResult {
  const values = cleanReportValues(raw);
  const errors: ReportErrors = {};
  const L = REPORT_LIMITS;

  const about = values.about as ConcernAbout | undefined;
  if (!about) errors.about = ABOUT_REQUIRED;
  else if (!CONCERN_ABOUT.includes(about)) errors.about = 'Choose one of the options listed.';

  const category = values.category ?? '';
  if (!category) errors.category = 'Choose the kind of concern.';
  else if (!isCategoryId(category)) errors.category = 'Choose one of the kinds of concern listed.';
  else if (category === 'concern-about-adult' && about === 'pupil') {
    errors.about = 'You chose "Concern about an adult": say whether it is about a member of staff, volunteer or contractor, or the headteacher.';
  }

  const pupils = splitPupilNames(values.pupils ?? '');
  if (about === 'pupil' && pupils.length === 0) errors.pupils = 'Enter the name of the pupil (or pupils) concerned.';
  else if (pupils.length > L.pupilsMaxCount) errors.pupils = `Name at most ${L.pupilsMaxCount} pupils in one report; report the others separately.`;
  else if (pupils.some((p) => p.length > L.pupilNameMax)) errors.pupils = `Each pupil's name must be at most ${L.pupilNameMax} characters; put one name per line or separate names with commas.`;
  else if ((values.pupils ?? '').length > L.pupilsMax) errors.pupils = `Keep the pupils' names under ${L.pupilsMax} characters.`;

  const adultName = values.adultName ?? '';
  if (about === 'adult' && !adultName) errors.adultName = 'Enter the name and role of the adult (for example "J. Smith, teaching assistant").';
  else if (adultName.length > L.adultNameMax) errors.adultName = `Keep this under ${L.adultNameMax} characters.`;

  const whatHappened = values.whatHappened ?? '';
  if (!whatHappened) errors.whatHappened = 'Describe what happened: the facts, what you saw or heard.';
  else if (whatHappened.length < L.whatHappenedMin) errors.whatHappened = `Give a little more detail (at least ${L.whatHappenedMin} characters).`;
  else if (whatHappened.length > L.whatHappenedMax) errors.whatHappened = `Keep this under ${L.whatHappenedMax} characters (it is ${whatHappened.length}); the DSL will ask for more.`;

  const childWords = values.childWords ?? '';
  if (childWords.length > L.childWordsMax) errors.childWords = `Keep this under ${L.childWordsMax} characters (it is ${childWords.length}).`;

  const today = localDateTime(now, timeZone);
  const occurredOn = values.occurredOn ?? '';
  const occurredTime = values.occurredTime ?? '';
  if (!occurredOn) errors.occurredOn = 'Enter the date it happened (or when you heard about it).';
  else if (!isCalendarDate(occurredOn)) errors.occurredOn = 'Enter a real date, as day, month and year.';
  else if (occurredOn > today.date) errors.occurredOn = 'The date cannot be in the future.';
  else if (Number(occurredOn.slice(0, 4)) < Number(today.date.slice(0, 4)) - L.oldestYears) {
    errors.occurredOn = `Enter a date within the last ${L.oldestYears} years.`;
  }
  if (occurredTime) {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(occurredTime)) errors.occurredTime = 'Enter the time as hours and minutes (for example 13:45), or leave it empty.';
    else if (!errors.occurredOn && occurredOn === today.date && occurredTime > today.time) errors.occurredTime = 'The time cannot be later than now.';
  }

  const location = values.location ?? '';
  if (!location) errors.location = 'Say where it happened (for example "Year 5 classroom" or "online, on Snapchat").';
  else if (location.length > L.locationMax) errors.location = `Keep this under ${L.locationMax} characters.`;

  const actionTaken = values.actionTaken ?? '';
  if (actionTaken.length > L.actionTakenMax) errors.actionTaken = `Keep this under ${L.actionTakenMax} characters (it is ${actionTaken.length}).`;

  const urgency = values.urgency as Urgency | undefined;
  if (!urgency) errors.urgency = 'Say whether a child is at immediate risk of harm.';
  else if (urgency !== 'urgent' && urgency !== 'standard') errors.urgency = 'Choose one of the options listed.';

  // Every answer within its own limit, yet together too large for one Teams message: said next
  // to the longest one, with how much to cut (in characters: what the person can see).
  if (!NARRATIVE_FIELDS.some((f) => errors[f])) {
    const narrative: Record<(typeof NARRATIVE_FIELDS)[number], string> = {
      adultName: about === 'adult' ? adultName : '',
      pupils: pupils.join(', '),
      whatHappened,
      childWords,
      location,
      actionTaken,
    };
    const sizes = NARRATIVE_FIELDS.map((f) => ({ field: f, bytes: messageBytes(narrative[f]) }));
    const total = sizes.reduce((sum, f) => sum + f.bytes, 0);
    const excess = total - L.narrativeBytesMax;
    if (excess > 0) {
      const longest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const cut = charactersToCut(narrative[longest.field], excess);
      const keep = longest.field === 'whatHappened' ? L.whatHappenedMin : longest.field === 'pupils' || longest.field === 'location' || longest.field === 'adultName' ? 1 : 0;
      const why = 'Together, your answers are too long for one Teams message (letters in some languages take more room).';
      errors[longest.field] =
        Array.from(narrative[longest.field]).length - cut >= keep
          ? `${why} Shorten this answer by about ${cut} characters, or shorten the others.`
          : `${why} Shorten them by about ${Math.ceil((excess / total) * 100)}% in all; this is the longest.`;
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    values,
    report: {
      pupils,
      about: about as ConcernAbout,
      adultName: about === 'adult' ? adultName : undefined,
      category: category as ConcernReport['category'],
      whatHappened,
      childWords: childWords || undefined,
      occurredOn,
      occurredTime: occurredTime || undefined,
      location,
      actionTaken: actionTaken || undefined,
      urgency: urgency as Urgency,
    },
  };
}
