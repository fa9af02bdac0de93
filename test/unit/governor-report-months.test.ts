import { buildGovernorReport } from '../../src/services/tab-reports';
import type { ConcernFact, TabConcernRepository } from '../../src/store/tab-concerns.repo';
import type { Db } from '../../src/store/db';

// The governors' report counts by month as the school does (its time zone, Europe/London by
// default): a concern reported at 00:30 BST on 1 April is April's, and the twelve months begin
// at midnight on the first day of the first month, school time.
const noDb = { query: async () => { throw new Error('no AUP data in this test'); } } as unknown as Db;

async function reportAt(now: string, createdAt: string[], timeZone?: string) {
  const facts: ConcernFact[] = createdAt.map((at, i) => ({ concernId: `c${i}`, category: 'online-bullying', status: 'new', createdAt: new Date(at) }));
  let since: Date | undefined;
  const repo = {
    listConcernFacts: async (_db: Db, _tenant: string, from: Date) => {
      since = from;
      return facts;
    },
    listClosingOutcomes: async () => [],
  } as unknown as TabConcernRepository;
  const report = await buildGovernorReport({ db: noDb, tabConcerns: repo, now: () => new Date(now), aupValidityMonths: 12, minCount: 3, timeZone }, 'tenant');
  return { report, since: since! };
}

const month = (r: Awaited<ReturnType<typeof reportAt>>['report'], key: string) => r.byMonth.find((m) => m.key === key)?.count;

describe("governors' report months, in the school's time zone", () => {
  it('counts a concern reported just after midnight on the 1st (BST) in that month', async () => {
    const { report } = await reportAt('2026-11-20T12:00:00Z', ['2026-03-31T23:30:00Z', '2026-03-31T23:10:00Z', '2026-03-31T23:45:00Z']);
    expect(month(report, '2026-04')).toBe(3);
    expect(month(report, '2026-03')).toBe(0);
  });

  it("starts the period at midnight school time on the first month's first day, and ends it on the school's today", async () => {
    // 15 June 2026: the period is July 2025 to June 2026; 1 July 2025 00:00 BST is 30 June 23:00 UTC.
    const { report, since } = await reportAt('2026-06-15T12:00:00Z', ['2025-06-30T22:30:00Z', '2025-06-30T23:30:00Z', '2025-06-30T23:40:00Z', '2025-06-30T23:50:00Z']);
    expect(since.toISOString()).toBe('2025-06-30T23:00:00.000Z');
    expect(report.periodStart).toBe('2025-07-01');
    expect(month(report, '2025-07')).toBe(3);
    expect(report.total).toBe(3); // the one at 23:30 BST on 30 June is before the period
    // 23:30 UTC on 31 October is 23:30 GMT: still October at school.
    const late = await reportAt('2026-10-31T23:30:00Z', []);
    expect(late.report.periodEnd).toBe('2026-10-31');
    const bst = await reportAt('2026-06-30T23:30:00Z', []);
    expect(bst.report.periodEnd).toBe('2026-07-01');
    expect(bst.report.byMonth.at(-1)!.key).toBe('2026-07');
  });

  it("follows the tenant's own time zone", async () => {
    const { report } = await reportAt('2026-11-20T12:00:00Z', ['2026-03-31T23:30:00Z', '2026-03-31T23:10:00Z', '2026-03-31T23:45:00Z'], 'UTC');
    expect(month(report, '2026-03')).toBe(3);
  });
});
