import { suppressSmallCount, suppressSmallCounts } from './small-numbers';

const cells = (counts: Record<string, number>) => Object.entries(counts).map(([key, count]) => ({ key, label: key.toUpperCase(), count }));
const shown = (counts: Record<string, number>, min = 3) => Object.fromEntries(suppressSmallCounts(cells(counts), min).map((c) => [c.key, c.count]));

describe('suppressSmallCounts', () => {
  it('hides counts from 1 to min - 1 and shows zero and everything from min up', () => {
    expect(shown({ a: 0, b: 1, c: 2, d: 3, e: 10 })).toEqual({ a: 0, b: null, c: null, d: 3, e: 10 });
  });

  it('hides a second cell when only one would be hidden, so subtraction from the total cannot recover it', () => {
    expect(shown({ a: 1, b: 7, c: 4, d: 0 })).toEqual({ a: null, b: 7, c: null, d: 0 });
  });

  it('picks the smallest other non-zero cell for the second, never a zero', () => {
    expect(shown({ a: 0, b: 2, c: 0, d: 12, e: 5 })).toEqual({ a: 0, b: null, c: 0, d: 12, e: null });
  });

  it('leaves a lone hidden cell when there is nothing else to hide (every other cell is zero)', () => {
    expect(shown({ a: 2, b: 0, c: 0 })).toEqual({ a: null, b: 0, c: 0 });
  });

  it('changes nothing when no count is small, and keeps order and labels', () => {
    const out = suppressSmallCounts(cells({ z: 5, y: 0, x: 9 }), 3);
    expect(out).toEqual([
      { key: 'z', label: 'Z', count: 5 },
      { key: 'y', label: 'Y', count: 0 },
      { key: 'x', label: 'X', count: 9 },
    ]);
  });

  it('follows the threshold it is given', () => {
    expect(shown({ a: 4, b: 6, c: 9 }, 5)).toEqual({ a: null, b: null, c: 9 });
    expect(shown({ a: 1, b: 1 }, 1)).toEqual({ a: 1, b: 1 });
  });
});

describe('suppressSmallCount', () => {
  it('hides a single small figure but not zero', () => {
    expect([0, 1, 2, 3, 40].map((n) => suppressSmallCount(n, 3))).toEqual([0, null, null, 3, 40]);
  });
});
