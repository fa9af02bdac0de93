import { buildGovernorReport } from '../../src/services/tab-reports';
import type { ConcernFact, TabConcernRepository } from '../../src/store/tab-concerns.repo';
import type { Db } from '../../src/store/db';

// The governors' report counts by month as the school does (its time zone, Europe/London by
// default): a concern reported at 00:30 BST on 1 April is April's, and the twelve complete months
// it covers begin at midnight on the first day of the first month, school time, and end at
// midnight on the first day of this month (the month under way is never in it).
const noDb = { query: async () => { throw new Error('no AUP data in this test'); } } as unknown as Db;

async function reportAt(now: string, createdAt: string[], timeZone?: string) {
  const facts: ConcernFact[] = createdAt.map((at, i) => ({ concernId: `c${i}`, category: 'online-bullying', status: 'new', createdAt: new Date(at) }));
  let since: Date | undefined;
  let until: Date | undefined;
  const repo = {
    listConcernFacts: async (_db: Db, _tenant: string, from: Date, to: Date) => {
      since = from;
      until = to;
      return facts;
    },
    listClosingOutcomes: async () => [],
  } as unknown as TabConcernRepository;
  const report = await buildGovernorReport({ db: noDb, tabConcerns: repo, now: () => new Date(now), aupValidityMonths: 12, minCount: 3, timeZone }, 'tenant');
  return { report, since: since!, until: until! };
}

const month = (r: Awaited<ReturnType<typeof reportAt>>['report'], key: string) => r.byMonth.find((m) => m.key === key)?.count;

describe("governors' report months, in the school's time zone", () => {
  it('counts a concern reported just after midnight on the 1st (BST) in that month', async () => {
    const { report } = await reportAt('2026-11-20T12:00:00Z', ['2026-03-31T23:30:00Z', '2026-03-31T23:10:00Z', '2026-03-31T23:45:00Z']);
    expect(month(report, '2026-04')).toBe(3);
    expect(month(report, '2026-03')).toBe(0);
  });

  it("covers the twelve complete months to the last, from midnight school time on the first month's first day to midnight on this month's", async () => {
    // 15 June 2026: the period is June 2025 to May 2026; 1 June 2025 00:00 BST is 31 May 23:00 UTC.
    const { report, since, until } = await reportAt('2026-06-15T12:00:00Z', [
      '2025-05-31T22:30:00Z', // 23:30 BST on 31 May 2025: before the period
      '2025-05-31T23:30:00Z',
      '2025-05-31T23:40:00Z',
      '2025-05-31T23:50:00Z',
      '2026-05-31T22:50:00Z', // 23:50 BST on 31 May 2026: the period's last month
      '2026-05-31T22:55:00Z',
      '2026-05-31T22:59:59Z',
      '2026-05-31T23:10:00Z', // 00:10 BST on 1 June 2026: this month, not yet reported
      '2026-06-15T11:00:00Z', // today
    ]);
    expect(since.toISOString()).toBe('2025-05-31T23:00:00.000Z');
    expect(until.toISOString()).toBe('2026-05-31T23:00:00.000Z');
    expect(report.periodStart).toBe('2025-06-01');
    expect(report.periodEnd).toBe('2026-05-31');
    expect(report.byMonth.map((m) => m.key)).toEqual(['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
    expect(month(report, '2025-06')).toBe(3);
    expect(month(report, '2026-05')).toBe(3);
    expect(report.total).toBe(6); // three in June 2025 and three late on 31 May 2026
    // 23:30 UTC on 31 October is 23:30 GMT: still October at school, so September is the last month.
    const late = await reportAt('2026-10-31T23:30:00Z', []);
    expect(late.report.periodEnd).toBe('2026-09-30');
    // 23:30 UTC on 30 June is 00:30 BST on 1 July: June has ended at school.
    const bst = await reportAt('2026-06-30T23:30:00Z', []);
    expect(bst.report.periodEnd).toBe('2026-06-30');
    expect(bst.report.byMonth.at(-1)!.key).toBe('2026-06');
    // Across a year's end: read in January, the period is January to December.
    const january = await reportAt('2027-01-10T12:00:00Z', []);
    expect([january.report.periodStart, january.report.periodEnd]).toEqual(['2026-01-01', '2026-12-31']);
  });

  it("follows the tenant's own time zone", async () => {
    const { report } = await reportAt('2026-11-20T12:00:00Z', ['2026-03-31T23:30:00Z', '2026-03-31T23:10:00Z', '2026-03-31T23:45:00Z'], 'UTC');
    expect(month(report, '2026-03')).toBe(3);
  });
});
