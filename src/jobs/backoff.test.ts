import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles per attempt up to the cap, with jitter in the upper half', () => {
    const low = () => 0;
    const high = () => 0.999;
    expect(backoffDelayMs(1, { baseMs: 1000, maxMs: 60_000, random: low })).toBe(500);
    expect(backoffDelayMs(1, { baseMs: 1000, maxMs: 60_000, random: high })).toBe(999);
    expect(backoffDelayMs(4, { baseMs: 1000, maxMs: 60_000, random: low })).toBe(4000);
    expect(backoffDelayMs(30, { baseMs: 1000, maxMs: 60_000, random: high })).toBeLessThanOrEqual(60_000);
  });

  it('never retries sooner than Retry-After', () => {
    expect(backoffDelayMs(1, { baseMs: 1000, maxMs: 60_000, retryAfterMs: 30_000, random: () => 0 })).toBe(30_000);
  });
});
