import { type PacingClock, SlidingWindowLimit, ThrottleGate, TokenBucket } from './send-pacing';

/** A clock that only moves when someone sleeps. */
function fakeClock(): PacingClock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe('TokenBucket', () => {
  it('paces to the configured rate after a small burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(25, clock);
    for (let i = 0; i < 125; i++) await bucket.acquire();
    // 3 at once (a tenth of a second's worth), then 122 more at 25/s = 4.88 s.
    expect(clock.t).toBeGreaterThanOrEqual(4870);
    expect(clock.t).toBeLessThanOrEqual(4890);
  });

  it('never lets more than rate + burst through in any one-second window (Teams counts sliding windows)', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(25, clock);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      await bucket.acquire();
      times.push(clock.t);
    }
    const worst = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(worst).toBeLessThanOrEqual(28);
  });
  it('charges a cost (two requests for a new chat)', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, clock);
    for (let i = 0; i < 10; i++) await bucket.acquire(2);
    expect(clock.t).toBeGreaterThanOrEqual(990);
  });
});

describe('SlidingWindowLimit', () => {
  it('allows 7 per second per conversation, independently per conversation', async () => {
    const clock = fakeClock();
    const limit = new SlidingWindowLimit(7, 1000, clock);
    for (let i = 0; i < 7; i++) expect(limit.tryTake('a')).toBe(0);
    expect(limit.tryTake('b')).toBe(0);
    expect(limit.tryTake('a')).toBe(1000);
    await limit.acquire('a');
    expect(clock.t).toBe(1000);
  });
});

describe('ThrottleGate', () => {
  it('pauses everyone until Retry-After, extending but never shortening', async () => {
    const clock = fakeClock();
    const gate = new ThrottleGate(clock);
    gate.pause(2000);
    gate.pause(500);
    expect(gate.remainingMs()).toBe(2000);
    await Promise.all([gate.wait(), gate.wait()]);
    expect(clock.t).toBeGreaterThanOrEqual(2000);
    expect(gate.pauses).toBe(1);
  });
});
