// The RU budget on a virtual clock: pacing, pause-all with the greater of Retry-After and
// RateLimit-Reset, waiting for RateLimit-Reset when the service says little is left.
import { RuBudget, estimateRu } from './ru-budget';

function virtualClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    get time() {
      return now;
    },
  };
}

describe('estimateRu', () => {
  it.each([
    ['GET', '/v1.0/drives/d/root/delta?$top=1000', 2],
    ['GET', 'https://graph.microsoft.com/v1.0/drives/d/root/delta?token=abc', 1],
    ['GET', '/v1.0/drives/d/items/i/permissions', 5],
    ['DELETE', '/v1.0/drives/d/items/i/permissions/p', 5],
    ['GET', '/v1.0/drives/d/items/i/children?$expand=permissions', 5],
    ['GET', '/v1.0/drives/d/items/i/children', 2],
    ['GET', '/v1.0/users?$top=999', 2],
    ['GET', '/v1.0/users/u/drive', 1],
    ['GET', '/v1.0/drives/d/items/i/content', 1],
  ])('%s %s costs %i RU', (method, url, cost) => {
    expect(estimateRu(method, url)).toBe(cost);
  });
});

describe('RuBudget', () => {
  it('defaults to the 0–1,000 licence band and paces below the limit', async () => {
    const clock = virtualClock();
    const budget = new RuBudget({ now: clock.now, sleep: clock.sleep });
    expect(budget.limit).toBe(1250);
    const start = clock.time;
    for (let i = 0; i < 2000; i++) await budget.acquire(1);
    const minutes = (clock.time - start) / 60_000;
    // 2,000 RU at ≤ 1,000 RU/min (80 % of 1,250) takes at least ~1.9 minutes.
    expect(minutes).toBeGreaterThan(1.85);
    expect(budget.counters.resourceUnits).toBe(2000);
  });

  it('never lets a sliding minute see more than the limit, batches of 100 RU included', async () => {
    const clock = virtualClock();
    const budget = new RuBudget({ licenceBand: '0-1000', now: clock.now, sleep: clock.sleep });
    const spends: [number, number][] = [];
    for (let i = 0; i < 300; i++) {
      const cost = i % 7 === 0 ? 100 : i % 3 === 0 ? 5 : 1;
      await budget.acquire(cost);
      spends.push([clock.time, cost]);
    }
    for (const [t] of spends) {
      const inWindow = spends.filter(([u]) => u >= t && u < t + 60_000).reduce((a, [, c]) => a + c, 0);
      expect(inWindow).toBeLessThanOrEqual(1250);
    }
  });

  it('pauses every waiter for the greater of Retry-After and RateLimit-Reset on 429', async () => {
    const clock = virtualClock();
    const budget = new RuBudget({ ruPerMinute: 100_000, now: clock.now, sleep: clock.sleep });
    const headers: Record<string, string> = { 'retry-after': '3', 'ratelimit-reset': '7', 'ratelimit-remaining': '0' };
    const verdict = budget.observe(429, (n) => headers[n]);
    expect(verdict).toEqual({ throttled: true, pauseMs: 7000 });
    expect(budget.paused).toBe(true);
    const t0 = clock.time;
    await Promise.all([budget.acquire(1), budget.acquire(1), budget.acquire(1)]);
    expect(clock.time - t0).toBeGreaterThanOrEqual(7000);
    expect(budget.counters.throttled).toBe(1);
  });

  it('uses a default pause when a 429 names no delay, honours Retry-After: 0, and caps long pauses', () => {
    const clock = virtualClock();
    const budget = new RuBudget({ now: clock.now, sleep: clock.sleep, defaultRetryAfterMs: 10_000, maxPauseMs: 60_000 });
    expect(budget.observe(503, () => null).pauseMs).toBe(10_000);
    expect(budget.observe(429, (n) => (n === 'retry-after' ? '0' : null)).pauseMs).toBe(0);
    expect(budget.observe(429, (n) => (n === 'retry-after' ? '3600' : null)).pauseMs).toBe(60_000);
  });

  it('waits for RateLimit-Reset when RateLimit-Remaining says the window is nearly spent', async () => {
    const clock = virtualClock();
    const budget = new RuBudget({ ruPerMinute: 100_000, now: clock.now, sleep: clock.sleep });
    budget.observe(200, (n) => ({ 'ratelimit-remaining': '4', 'ratelimit-reset': '20', 'ratelimit-limit': '1250' })[n]);
    const t0 = clock.time;
    await budget.acquire(2);
    await budget.acquire(2);
    expect(clock.time - t0).toBeLessThan(1000);
    await budget.acquire(5); // more than what is left: wait for the reset
    expect(clock.time - t0).toBeGreaterThanOrEqual(20_000);
  });

  it('backs off with jitter, doubling per attempt', () => {
    const budget = new RuBudget({ backoffBaseMs: 100, random: () => 0.5 });
    expect([0, 1, 2, 3].map((a) => budget.backoffMs(a))).toEqual([100, 200, 400, 800]);
  });

  it('lets a request a person waits on go ahead of queued background work, and the background pays for it', async () => {
    // Three background batches of 100 RU queue at the paced rate (1,000 RU/min in this band).
    const finishOfBatches = async (pressCost: number) => {
      const clock = virtualClock();
      const budget = new RuBudget({ licenceBand: '0-1000', now: clock.now, sleep: clock.sleep });
      const order: string[] = [];
      const background = [1, 2, 3].map((n) => budget.acquire(100).then(() => order.push(`batch ${n}`)));
      if (pressCost) {
        budget.spendNow(pressCost);
        order.push('press');
      }
      const start = clock.time;
      await Promise.all(background);
      return { order, tookMs: clock.time - start, ru: budget.counters.resourceUnits };
    };
    const withPress = await finishOfBatches(50);
    const without = await finishOfBatches(0);
    expect(withPress.order[0]).toBe('press');
    expect(withPress.ru).toBe(350);
    // The press's 50 RU are repaid by the background's pacing (50 RU at 1,000 RU/min = 3 s), so the
    // app's spend per minute, which is what Microsoft throttles, is unchanged.
    expect(withPress.tookMs - without.tookMs).toBeGreaterThanOrEqual(3_000 - 1);
  });

  it('says how long a request would wait for throttling: a 429 pause, or the reset when the service said too little is left', () => {
    const clock = virtualClock();
    const budget = new RuBudget({ ruPerMinute: 100_000, now: clock.now, sleep: clock.sleep });
    expect(budget.throttledForMs(5)).toBe(0);
    budget.observe(200, (n) => ({ 'ratelimit-remaining': '3', 'ratelimit-reset': '20' })[n]);
    expect(budget.throttledForMs(1)).toBe(0);
    expect(budget.throttledForMs(5)).toBe(20_000);
    budget.observe(429, (n) => ({ 'retry-after': '120' })[n]);
    expect(budget.throttledForMs(1)).toBe(120_000);
    clock.advance(119_000);
    expect(budget.throttledForMs(1)).toBe(1_000);
  });
});
