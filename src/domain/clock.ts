// Constructing an Intl.DateTimeFormat costs about half a millisecond (it loads ICU data for the
// zone); formatting with one is cheap. They are immutable, so one per (purpose, zone) is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(purpose: 'parts' | 'display', timeZone: string): Intl.DateTimeFormat {
  const key = `${purpose}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter =
      purpose === 'parts'
        ? new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        : new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** Today's date and the time of day in a school's time zone (Europe/London by default). */
export function localDateTime(now: Date, timeZone: string): { date: string; time: string } {
  const parts = formatterFor('parts', timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** "22 Nov 2026, 14:05" in the school's time zone, for cards and receipts. */
export function formatLocal(at: Date, timeZone: string): string {
  return formatterFor('display', timeZone).format(at);
}

const dayFormatter = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "1 Dec 2026" from YYYY-MM-DD (a calendar date, so no time zone shift). */
export function formatDay(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return dayFormatter.format(new Date(Date.UTC(y!, m! - 1, d!)));
}

/** "1 Dec 2026": the day a moment falls on in the school's time zone (00:30 BST is that day, not the day before). */
export function formatLocalDay(at: Date, timeZone: string): string {
  return formatDay(localDateTime(at, timeZone).date);
}

/** "20 Nov 2026, 14:05" from a calendar date and an optional HH:MM time. */
export function formatOccurred(date: string, time?: string): string {
  const day = formatDay(date);
  return time ? `${day}, ${time}` : day;
}

/**
 * Whether `s` is a day that exists, written YYYY-MM-DD. `Date.parse` alone is not enough: it
 * rolls 2026-02-30 over to 2 March and 2027-02-29 to 1 March.
 */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}
