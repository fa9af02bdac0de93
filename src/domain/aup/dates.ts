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
