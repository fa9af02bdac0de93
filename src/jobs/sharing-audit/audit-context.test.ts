import { describeFailure, mapWithConcurrency } from './audit-context';

describe('mapWithConcurrency', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running -= 1;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapWithConcurrency([], 4, async (n: number) => n)).toEqual([]);
  });
});

describe('describeFailure', () => {
  it.each([
    [new Error('GET https://graph/x?token=abc123&top=5 failed'), 'Error: GET https://graph/x?token=…&top=5 failed'],
    [new Error('line\nbreak'), 'Error: line break'],
    ['plain', 'plain'],
  ])('%s', (err, expected) => expect(describeFailure(err)).toBe(expected));
});
