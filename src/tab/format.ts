const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
const date = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/London' });

export const formatDateTime = (iso?: string): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatDate = (iso?: string): string => (iso ? date.format(new Date(iso)) : '—');

export const STATUS_TITLES: Record<string, string> = { new: 'New', acknowledged: 'Acknowledged', 'in-progress': 'In progress', closed: 'Closed' };

/** How long ago, in words a DSL scans quickly ("3 h", "2 d"). */
export function age(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

/** A calendar date as typed on the report (YYYY-MM-DD), shown as "20 Nov 2026" without time-zone shifts. */
export function formatDay(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  if (!y || !m || !d) return ymd;
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}
