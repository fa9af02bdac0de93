import type { Db } from '../store/db';
import { localDateTime } from '../domain/clock';
import type { TabConcernRepository } from '../store/tab-concerns.repo';
import { CATEGORIES, type CategoryId, FOUR_C_TITLES, type FourC, isCategoryId, getCategory } from '../domain/concerns/categories';
import { outcomeTitle } from '../domain/concerns/triage';
import { governorAupCounts } from './aup-register';
import type { AupCounts } from '../domain/aup/status';
import { AUDIENCE_LABELS, type Audience } from '../domain/aup/types';
import { type CountCell, type ShownCell, suppressSmallCount, suppressSmallCounts, suppressWithChildren } from '../domain/reports/small-numbers';


/**
 * The governors' anonymised report: counts only; no names, references, dates of single cases or
 * narrative. Counts from 1 to `minCount - 1` are null (shown as "fewer than minCount"), with
 * secondary suppression so a hidden count cannot be recovered from the total.
 */
export interface GovernorReport {
  periodStart: string;
  periodEnd: string;
  minCount: number;
  total: number | null;
  byCategory: ShownCell[];
  byFourC: ShownCell[];
  byMonth: ShownCell[];
  byStatus: ShownCell[];
  outcomes: ShownCell[];
  /**
   * Times to acknowledge are shown only when at least minCount concerns were acknowledged, and none
   * of these figures when the New status count is hidden (they would give it away).
   */
  acknowledgement: { acknowledged: number | null; medianMinutes?: number; within15Minutes: number | null; within1Day: number | null };
  /** Per audience: the total is shown (the size of an audience is known) and the statuses are suppressed against it. */
  aup: ShownAupCounts[];
}

/** An audience's AUP counts as governors see them: a null count is between 1 and minCount - 1 (or hidden to protect one). */
export interface ShownAupCounts {
  audience: string;
  audienceTitle: string;
  versionNumber: number;
  current: number | null;
  expired: number | null;
  outstanding: number | null;
  neverAsked: number | null;
  /** The audience's size; null only when it would give away the hidden counts (all hidden, one per status). */
  total: number | null;
}

const STATUS_LABELS: Record<string, string> = { new: 'New', acknowledged: 'Acknowledged', 'in-progress': 'In progress', closed: 'Closed' };

/**
 * The moment a calendar month begins in the school's time zone (1 April 00:00 BST is 31 March
 * 23:00 UTC). `month` may run past 0-11, as for Date.UTC.
 */
function localMonthStart(year: number, month: number, timeZone: string): Date {
  const wall = Date.UTC(year, month, 1);
  let at = wall;
  // The zone's offset at that moment, read twice in case the first guess fell across a change.
  for (let i = 0; i < 2; i++) {
    const local = localDateTime(new Date(at), timeZone);
    const [y, m, d] = local.date.split('-').map(Number);
    const [hh, mm] = local.time.split(':').map(Number);
    at = wall - (Date.UTC(y!, m! - 1, d!, hh!, mm!) - at);
  }
  return new Date(at);
}

/**
 * The twelve complete calendar months ending with the last complete month, in the school's time
 * zone, counted from the store's facts as they stood at the end of that period. The report is the
 * same all month and changes only when a month ends: a report that followed today's events (a
 * count up by one since yesterday, a status or an outcome changed) would date a single concern,
 * its closing and its outcome for anyone who compares two readings.
 */
export async function buildGovernorReport(deps: { db: Db; tabConcerns: TabConcernRepository; now: () => Date; aupValidityMonths: number; minCount: number; timeZone?: string }, tenantId: string): Promise<GovernorReport> {
  const now = deps.now();
  const timeZone = deps.timeZone ?? 'Europe/London';
  // Months as the school counts them: a concern reported at 00:30 on 1 April (BST) is April's.
  const today = localDateTime(now, timeZone).date;
  const [thisYear, thisMonth] = today.split('-').map(Number);
  // [start, end): the first moment of the first month to the first moment of this month.
  const start = localMonthStart(thisYear!, thisMonth! - 1 - 12, timeZone);
  const end = localMonthStart(thisYear!, thisMonth! - 1, timeZone);
  const monthOf = (at: Date) => localDateTime(at, timeZone).date.slice(0, 7);
  const facts = (await deps.tabConcerns.listConcernFacts(deps.db, tenantId, start, end)).filter((f) => f.createdAt >= start && f.createdAt < end);
  const outcomes = await deps.tabConcerns.listClosingOutcomes(deps.db, tenantId, start, end);

  const count = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const byCategory = count(facts.map((f) => f.category));
  const byFourC = count(facts.map((f) => (isCategoryId(f.category) ? getCategory(f.category).fourC : 'content')));
  const months: CountCell[] = [];
  for (let i = 0; i < 12; i++) {
    const d = new Date(Date.UTC(thisYear!, thisMonth! - 1 - 12 + i, 1));
    const key = d.toISOString().slice(0, 7);
    months.push({ key, label: new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d), count: facts.filter((f) => monthOf(f.createdAt) === key).length });
  }
  const minutes = facts.filter((f) => f.acknowledgedAt && f.acknowledgedAt < end).map((f) => (f.acknowledgedAt!.getTime() - f.createdAt.getTime()) / 60_000).sort((a, b) => a - b);
  const median = minutes.length ? (minutes.length % 2 ? minutes[(minutes.length - 1) / 2]! : (minutes[minutes.length / 2 - 1]! + minutes[minutes.length / 2]!) / 2) : undefined;
  const statusCounts = count(facts.map((f) => f.status));
  const outcomeCounts = count(outcomes);
  const aup = await governorAupCounts({ db: deps.db, now: deps.now, rules: { validityMonths: deps.aupValidityMonths } }, tenantId).catch((): AupCounts[] => []);

  const min = deps.minCount;
  const shown = (cells: CountCell[]) => protectHiddenSum(cells, suppressSmallCounts(cells, min), min);
  const byStatus = shown(Object.keys(STATUS_LABELS).map((k) => ({ key: k, label: STATUS_LABELS[k]!, count: statusCounts.get(k) ?? 0 })));
  // Every concern acknowledged by the end is one not "new" at the end: the number acknowledged is
  // the total minus the New count, and any time figure bounds it (within a day = total - 1 says
  // New = 1). Beside a hidden New count, none of them is shown.
  const newHidden = byStatus.find((c) => c.key === 'new')!.count === null;
  const enoughAcknowledged = minutes.length >= min && !newHidden;
  const categoriesShown = shown(CATEGORIES.map((c) => ({ key: c.id, label: c.title, count: byCategory.get(c.id) ?? 0 })));
  const fourCCells = (Object.keys(FOUR_C_TITLES) as FourC[]).map((k) => ({ key: k, label: FOUR_C_TITLES[k], count: byFourC.get(k) ?? 0 }));
  return {
    periodStart: new Date(Date.UTC(thisYear!, thisMonth! - 1 - 12, 1)).toISOString().slice(0, 10),
    // The last day of the last complete month (day 0 of this month).
    periodEnd: new Date(Date.UTC(thisYear!, thisMonth! - 1, 0)).toISOString().slice(0, 10),
    minCount: min,
    total: suppressSmallCount(facts.length, min),
    byCategory: categoriesShown,
    // Each 4C is the sum of its categories: hidden with them, or the two tables give each other away.
    byFourC: suppressWithChildren(fourCCells, categoriesShown, (id) => getCategory(id as CategoryId).fourC, min),
    byMonth: shown(months),
    byStatus,
    outcomes: shown([...outcomeCounts].map(([k, n]) => ({ key: k, label: outcomeTitle(k), count: n })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))),
    acknowledgement: {
      acknowledged: newHidden ? null : suppressSmallCount(minutes.length, min),
      medianMinutes: enoughAcknowledged && median !== undefined ? Math.round(median) : undefined,
      within15Minutes: enoughAcknowledged ? suppressSmallCount(minutes.filter((m) => m <= 15).length, min) : null,
      within1Day: enoughAcknowledged ? suppressSmallCount(minutes.filter((m) => m <= 24 * 60).length, min) : null,
    },
    aup: aup.map((a) => suppressAupCounts(a, min)),
  };
}

const AUP_STATUS_CELLS = [
  ['current', 'Agreed'],
  ['expired', 'Expired'],
  ['outstanding', 'Waiting'],
  ['neverAsked', 'Not yet asked'],
] as const;

/**
 * One audience's AUP counts for governors. The audience's size is known (five governors), so
 * "1 outstanding" names a colleague: each status count goes through the same suppression as the
 * concern counts, against the audience total (shown), so no hidden count can be worked out.
 */
export function suppressAupCounts(counts: AupCounts, min: number): ShownAupCounts {
  const cells: CountCell[] = AUP_STATUS_CELLS.map(([key, label]) => ({ key, label, count: counts[key] }));
  const shown = protectHiddenSum(cells, suppressSmallCounts(cells, min), min);
  const value = (key: string) => shown.find((c) => c.key === key)!.count;
  // Every status hidden and still adding up to one reading (4 people, one in each status): only
  // hiding the total as well leaves the figures unknown to a reader who does not count the audience.
  const allHidden = shown.every((c) => c.count === null);
  const total = allHidden && (counts.total === cells.length || counts.total === cells.length * (min - 1)) ? null : counts.total;
  return {
    audience: counts.audience,
    audienceTitle: AUDIENCE_LABELS[counts.audience as Audience] ?? counts.audience,
    versionNumber: counts.versionNumber,
    current: value('current'),
    expired: value('expired'),
    outstanding: value('outstanding'),
    neverAsked: value('neverAsked'),
    total,
  };
}

/**
 * Suppression by cell is not enough when the dimension's total is known (it is the report's
 * total, or another shown count): what is missing from the total is the sum of the hidden cells,
 * and when that sum is the number of hidden cells they are all 1 (or, all shown as "fewer than
 * min", all min - 1). Until the sum says nothing about each cell, one more cell is hidden: the
 * smallest shown non-zero count, or, when none is left, the last zero.
 */
export function protectHiddenSum(cells: readonly CountCell[], shown: ShownCell[], min: number): ShownCell[] {
  const out = shown.map((c) => ({ ...c }));
  const revealing = () => {
    const hidden = cells.filter((_, i) => out[i]!.count === null);
    const sum = hidden.reduce((t, c) => t + c.count, 0);
    return hidden.length > 0 && (sum === hidden.length || sum === hidden.length * (min - 1));
  };
  while (revealing()) {
    const visible = cells.map((c, i) => ({ c, i })).filter(({ i }) => out[i]!.count !== null);
    const next = visible.filter(({ c }) => c.count > 0).sort((a, b) => a.c.count - b.c.count)[0] ?? visible.at(-1);
    if (!next) break;
    out[next.i]!.count = null;
  }
  return out;
}
