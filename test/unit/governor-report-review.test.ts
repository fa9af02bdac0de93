import { buildGovernorReport, suppressAupCounts } from '../../src/services/tab-reports';
import type { ConcernFact, TabConcernRepository } from '../../src/store/tab-concerns.repo';
import type { Db } from '../../src/store/db';
import { CATEGORIES, type CategoryId, getCategory } from '../../src/domain/concerns/categories';

// The governors' report hides counts from 1 to minCount - 1. A hidden count must not be
// recoverable from the total: two hidden cells whose sum is 2 are both 1.
// Read in December: the report covers the twelve complete months to November, where the facts are.
const NOW = new Date('2026-12-15T12:00:00Z');
const noDb = { query: async () => { throw new Error('no AUP data in this test'); } } as unknown as Db;

function reportOf(categories: string[], statuses: ConcernFact['status'][] = categories.map(() => 'new')) {
  const facts: ConcernFact[] = categories.map((category, i) => ({ concernId: `c${i}`, category, status: statuses[i]!, createdAt: new Date('2026-11-02T10:00:00Z') }));
  const repo = { listConcernFacts: async () => facts, listClosingOutcomes: async () => [] } as unknown as TabConcernRepository;
  return buildGovernorReport({ db: noDb, tabConcerns: repo, now: () => NOW, aupValidityMonths: 12, minCount: 3 }, 'tenant');
}

/**
 * Whether some hidden cell can be worked out from the total, by a reader who knows the rules and
 * tries the likeliest reading first: hidden cells are 1 to min - 1 (zeros are normally shown);
 * failing that, 0 to min - 1 (a zero hidden to protect the others); failing that, any size (a
 * larger cell hidden beside a small one). A cell is recoverable when every way of filling the
 * hidden cells that adds up to what is missing gives it the same value. Brute force, independent
 * of how the report chooses the cells to hide.
 */
function recoverable(cells: { count: number | null }[], total: number, min: number): boolean {
  const hidden = cells.filter((c) => c.count === null).length;
  const missing = total - cells.reduce((s, c) => s + (c.count ?? 0), 0);
  return someCellDetermined(hidden, missing, min, () => true);
}

/**
 * Fills `hidden` cells with values adding up to `missing`, reading them first as 1 to min - 1,
 * then 0 to min - 1, then any size, and keeps the fillings `consistent` accepts. At the first
 * reading with any filling: whether some cell has the same value in all of them.
 */
function someCellDetermined(hidden: number, missing: number, min: number, consistent: (values: number[]) => boolean): boolean {
  if (!hidden) return false;
  for (const [lo, hi] of [[1, min - 1], [0, min - 1], [1, missing], [0, missing]] as const) {
    const seen: Set<number>[] = Array.from({ length: hidden }, () => new Set<number>());
    const values: number[] = [];
    let solutions = 0;
    const walk = (i: number, left: number): void => {
      if (i === hidden) {
        if (left === 0 && consistent(values)) {
          solutions++;
          values.forEach((v, k) => seen[k]!.add(v));
        }
        return;
      }
      for (let v = lo; v <= Math.min(hi, left); v++) {
        values[i] = v;
        walk(i + 1, left - v);
      }
    };
    walk(0, missing);
    if (solutions) return seen.some((s) => s.size === 1);
  }
  return false;
}

describe("governors' report: hidden counts cannot be worked out from the total", () => {
  it('two categories with one concern each, next to a larger one', async () => {
    const r = await reportOf(['online-bullying', 'online-bullying', 'online-bullying', 'online-bullying', 'online-bullying', 'grooming', 'nudes-sharing']);
    expect(r.total).toBe(7);
    expect(r.byCategory.find((c) => c.key === 'grooming')!.count).toBeNull();
    expect(r.byCategory.find((c) => c.key === 'nudes-sharing')!.count).toBeNull();
    expect(recoverable(r.byCategory, 7, 3)).toBe(false);
  });

  it('two categories with two concerns each, shown as "fewer than 3"', async () => {
    const r = await reportOf(['online-bullying', 'online-bullying', 'online-bullying', 'online-bullying', 'online-bullying', 'grooming', 'grooming', 'commerce', 'commerce']);
    expect(recoverable(r.byCategory, 9, 3)).toBe(false);
  });

  it('three concerns in three categories: the total alone would say each is 1', async () => {
    const r = await reportOf(['online-bullying', 'grooming', 'commerce']);
    expect(r.total).toBe(3);
    expect(recoverable(r.byCategory, 3, 3)).toBe(false);
    expect(r.byCategory.filter((c) => c.count !== null && c.count > 0)).toEqual([]);
  });

  it('every dimension, for a spread of small counts', async () => {
    const cats = ['online-bullying', 'online-bullying', 'online-bullying', 'online-bullying', 'grooming', 'upskirting', 'commerce', 'data-breach', 'data-breach', 'data-breach'];
    const r = await reportOf(cats, ['new', 'new', 'new', 'new', 'closed', 'acknowledged', 'new', 'new', 'new', 'new']);
    for (const dim of [r.byCategory, r.byFourC, r.byStatus, r.byMonth]) expect(recoverable(dim, 10, 3)).toBe(false);
  });
});

/**
 * The same reader with the 4Cs beside the categories: each shown 4C is the sum of its
 * categories, and a hidden 4C is a sum of at least 1. Brute force over the hidden categories.
 */
function recoverableAcross(byCategory: { key: string; count: number | null }[], byFourC: { key: string; count: number | null }[], total: number, min: number): boolean {
  const hidden = byCategory.filter((c) => c.count === null);
  const missing = total - byCategory.reduce((s, c) => s + (c.count ?? 0), 0);
  const fourCOf = (key: string) => getCategory(key as CategoryId).fourC;
  const groupSums = (values: number[]) => {
    const sums = new Map<string, number>();
    for (const c of byCategory) sums.set(fourCOf(c.key), (sums.get(fourCOf(c.key)) ?? 0) + (c.count ?? 0));
    hidden.forEach((c, i) => sums.set(fourCOf(c.key), sums.get(fourCOf(c.key))! + values[i]!));
    return sums;
  };
  const consistent = (values: number[]) => {
    const sums = groupSums(values);
    return byFourC.every((f) => (f.count === null ? (sums.get(f.key) ?? 0) >= 1 : (sums.get(f.key) ?? 0) === f.count));
  };
  return someCellDetermined(hidden.length, missing, min, consistent);
}

describe("governors' report: the categories and the 4Cs cannot be played against each other", () => {
  const times = (n: number, category: string) => Array.from({ length: n }, () => category);

  it('one concern about an adult among larger groups (the reviewer\'s case, at minCount 4)', async () => {
    const cats = [...times(3, 'harmful-content'), ...times(3, 'radicalisation'), ...times(10, 'online-bullying'), ...times(4, 'filtering-failure'), 'concern-about-adult'];
    const facts: ConcernFact[] = cats.map((category, i) => ({ concernId: `c${i}`, category, status: 'new', createdAt: new Date('2026-11-02T10:00:00Z') }));
    const repo = { listConcernFacts: async () => facts, listClosingOutcomes: async () => [] } as unknown as TabConcernRepository;
    const r = await buildGovernorReport({ db: noDb, tabConcerns: repo, now: () => NOW, aupValidityMonths: 12, minCount: 4 }, 'tenant');
    expect(r.total).toBe(21);
    expect(r.byCategory.find((c) => c.key === 'concern-about-adult')!.count).toBeNull();
    expect(r.byFourC.find((c) => c.key === 'adult')!.count).toBeNull();
    expect(recoverable(r.byCategory, 21, 4)).toBe(false);
    expect(recoverableAcross(r.byCategory, r.byFourC, 21, 4)).toBe(false);
  });

  it('a 4C is shown only when every one of its categories is', async () => {
    const r = await reportOf([...times(5, 'online-bullying'), ...times(4, 'nudes-sharing'), 'grooming', ...times(3, 'unwanted-contact'), ...times(3, 'commerce')]);
    const shown = (key: string) => r.byFourC.find((c) => c.key === key)!.count;
    expect(shown('conduct')).toBe(9);
    expect(shown('contact')).toBeNull(); // grooming (1) is hidden
    expect(recoverableAcross(r.byCategory, r.byFourC, 16, 3)).toBe(false);
  });

  it('for a spread of seeded random reports', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ids = CATEGORIES.map((c) => c.id);
    for (let run = 0; run < 60; run++) {
      const cats: string[] = [];
      const used = ids.filter(() => random() < 0.35);
      for (const id of used) cats.push(...times(1 + Math.floor(random() * 6), id));
      if (!cats.length) continue;
      const r = await reportOf(cats);
      if (r.total === null) continue;
      expect({ run, cats: used, recoverable: recoverableAcross(r.byCategory, r.byFourC, r.total, 3) }).toEqual({ run, cats: used, recoverable: false });
    }
  });
});

describe("governors' report: AUP counts per audience", () => {
  const counts = (current: number, expired: number, outstanding: number, neverAsked: number) => ({ audience: 'governors', versionNumber: 1, current, expired, outstanding, neverAsked, total: current + expired + outstanding + neverAsked });
  const cells = (s: ReturnType<typeof suppressAupCounts>) => [s.current, s.expired, s.outstanding, s.neverAsked].map((count) => ({ count }));

  it('five governors, one not agreed: the one is hidden, and cannot be worked out from the total', () => {
    const shown = suppressAupCounts(counts(4, 0, 1, 0), 3);
    expect(shown).toMatchObject({ audience: 'governors', audienceTitle: 'Governors', total: 5, outstanding: null });
    expect(recoverable(cells(shown), 5, 3)).toBe(false);
  });

  it('one in each status: everything is hidden, the total too', () => {
    expect(suppressAupCounts(counts(1, 1, 1, 1), 3)).toMatchObject({ current: null, expired: null, outstanding: null, neverAsked: null, total: null });
  });

  it('no status count from 1 to min - 1 is shown, and none can be recovered, for every small audience', () => {
    for (let a = 0; a <= 6; a++)
      for (let b = 0; b <= 6; b++)
        for (let c = 0; c <= 6; c++)
          for (let d = 0; d <= 6; d++) {
            const raw = counts(a, b, c, d);
            const shown = suppressAupCounts(raw, 3);
            const values = [shown.current, shown.expired, shown.outstanding, shown.neverAsked];
            expect({ raw, small: values.filter((v) => v === 1 || v === 2) }).toEqual({ raw, small: [] });
            // The total is shown, except where every status is hidden and it alone would give them away.
            if (shown.total !== null) expect({ raw, recoverable: recoverable(cells(shown), raw.total, 3) }).toEqual({ raw, recoverable: false });
            else expect(values).toEqual([null, null, null, null]);
            expect([raw.total, null]).toContain(shown.total);
          }
  });
});

describe("governors' report: the number acknowledged does not give away a hidden New count", () => {
  const at = (minutes: number) => new Date(Date.parse('2026-11-02T10:00:00Z') + minutes * 60_000);
  function reportWith(newCount: number, acknowledgedCount: number) {
    const facts: ConcernFact[] = [
      ...Array.from({ length: newCount }, (_, i): ConcernFact => ({ concernId: `n${i}`, category: 'online-bullying', status: 'new', createdAt: at(0) })),
      ...Array.from({ length: acknowledgedCount }, (_, i): ConcernFact => ({ concernId: `a${i}`, category: 'online-bullying', status: 'acknowledged', createdAt: at(0), acknowledgedAt: at(5 + i) })),
    ];
    const repo = { listConcernFacts: async () => facts, listClosingOutcomes: async () => [] } as unknown as TabConcernRepository;
    return buildGovernorReport({ db: noDb, tabConcerns: repo, now: () => NOW, aupValidityMonths: 12, minCount: 3 }, 'tenant');
  }

  it('one concern still new among ten: the acknowledged count (9 of 10) and the times are hidden with it', async () => {
    const r = await reportWith(1, 9);
    expect(r.total).toBe(10);
    expect(r.byStatus.find((c) => c.key === 'new')!.count).toBeNull();
    expect(r.acknowledgement).toEqual({ acknowledged: null, medianMinutes: undefined, within15Minutes: null, within1Day: null });
  });

  it('with the New count shown (none, or enough), the acknowledgement figures are shown', async () => {
    expect((await reportWith(0, 9)).acknowledgement).toEqual({ acknowledged: 9, medianMinutes: 9, within15Minutes: 9, within1Day: 9 });
    expect((await reportWith(4, 9)).acknowledgement).toEqual({ acknowledged: 9, medianMinutes: 9, within15Minutes: 9, within1Day: 9 });
  });
});
