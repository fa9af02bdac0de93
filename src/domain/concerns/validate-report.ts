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
} as const;

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

/**
 * Checks a submitted report. Messages say what to fix, next to the field at fault; the
 * cleaned values always come back so the card can be re-shown with everything kept.
 */
export function validateReport(raw: Record<string, unknown>, now: Date, timeZone: string): ValidationResult {
  const values = cleanReportValues(raw);
  const errors: ReportErrors = {};
  const L = REPORT_LIMITS;

  const about = values.about as ConcernAbout | undefined;
  if (!about) errors.about = 'Choose who the concern is about.';
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
