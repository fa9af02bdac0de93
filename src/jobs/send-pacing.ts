/**
 * Pacing for broadcasts, with an injectable clock so tests need no real time.
 *
 * - `TokenBucket`: the tenant-wide budget (Teams allows ~30 requests/s per app per tenant; we
 *   default to 25), with a burst of a tenth of a second's worth.
 * - `SlidingWindowLimit`: at most N sends per conversation in any 1 s window (Teams: 7).
 * - `ThrottleGate`: the shared "throttled" flag (Company Communicator's pattern): one 429 pauses
 *   every sender until Retry-After has passed.
 */
export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Reservations are served in order: a waiter ahead of you keeps its place. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: PacingClock,
    // A small burst: Teams counts requests in sliding windows, and a bucket of capacity C lets
    // C + rate requests through in one second. A tenth of a second's worth keeps 25/s under 30/s.
    private readonly capacity = Math.max(1, Math.ceil(ratePerSecond / 10)),
  ) {
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  /** Milliseconds to wait before `cost` tokens are available (0 = now), taking them. */
  reserve(cost = 1): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }

  /**
   * Counts `cost` tokens now, without waiting, even into debt: an urgent send (a concern to the
   * DSL channel) never queues behind a broadcast, and the broadcast's next sends wait longer.
   */
  take(cost = 1): void {
    this.reserve(cost);
  }

  /** Waits for `cost` tokens, first come first served. */
  acquire(cost = 1): Promise<void> {
    const turn = this.tail.then(async () => {
      const wait = this.reserve(cost);
      if (wait > 0) await this.clock.sleep(wait);
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}

export class SlidingWindowLimit {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: PacingClock,
  ) {}

  /** Milliseconds until `key` may send again (0 = now); records the send when 0. */
  tryTake(key: string): number {
    const now = this.clock.now();
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length >= this.max) {
      this.sent.set(key, times);
      return times[times.length - this.max]! + this.windowMs - now;
    }
    times.push(now);
    this.sent.set(key, times);
    if (this.sent.size > 10_000) this.prune(now);
    return 0;
  }

  async acquire(key: string): Promise<void> {
    for (let wait = this.tryTake(key); wait > 0; wait = this.tryTake(key)) await this.clock.sleep(wait);
  }

  private prune(now: number): void {
    for (const [key, times] of this.sent) if (!times.some((t) => t > now - this.windowMs)) this.sent.delete(key);
  }
}

/**
 * What every sender to Teams in the process shares: Teams counts requests per app per tenant,
 * so the AUP broadcast and the outbox spend from one budget, and a 429 either of them receives
 * pauses both.
 */
export interface TeamsSendPacing {
  bucket: TokenBucket;
  gate: ThrottleGate;
}

export function createTeamsSendPacing(sendsPerSecond: number, clock: PacingClock = realClock): TeamsSendPacing {
  return { bucket: new TokenBucket(sendsPerSecond, clock), gate: new ThrottleGate(clock) };
}

/** The pause after a 429 that names no Retry-After (the Teams docs do not promise one). */
export const DEFAULT_THROTTLE_PAUSE_MS = 1_000;

/**
 * The longest pause a 429's Retry-After is honoured for. Teams' documented limits for a bot are
 * per second, per 30 s and per hour windows; a minute or two clears the short ones, and a send
 * tried again every five minutes while the hourly window refills costs one request. A longer
 * Retry-After (a bogus or hostile day-long value) would pause every send, urgent concerns
 * included, for that long, so it is cut to this and the next answer from Teams decides.
 */
export const MAX_THROTTLE_PAUSE_MS = 5 * 60_000;

/** How long to pause every sender after a 429 with this Retry-After, and whether it was cut to the maximum. */
export function throttlePause(retryAfterMs: number | undefined): { pauseMs: number; capped: boolean } {
  if (retryAfterMs === undefined || Number.isNaN(retryAfterMs)) return { pauseMs: DEFAULT_THROTTLE_PAUSE_MS, capped: false };
  if (retryAfterMs > MAX_THROTTLE_PAUSE_MS) return { pauseMs: MAX_THROTTLE_PAUSE_MS, capped: true };
  return { pauseMs: Math.max(0, retryAfterMs), capped: false };
}

export class ThrottleGate {
  private pausedUntil = 0;
  /** How many times a 429 paused everyone, and for how long in total. */
  pauses = 0;
  pausedMs = 0;

  constructor(private readonly clock: PacingClock) {}

  /** Pauses every sender for `ms` (extending, never shortening, a pause in force). */
  pause(ms: number): void {
    const until = this.clock.now() + ms;
    if (until > this.pausedUntil) {
      this.pauses++;
      this.pausedMs += until - Math.max(this.pausedUntil, this.clock.now());
      this.pausedUntil = until;
    }
  }

  remainingMs(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  until(): number {
    return this.pausedUntil;
  }

  async wait(): Promise<void> {
    for (let left = this.remainingMs(); left > 0; left = this.remainingMs()) await this.clock.sleep(left);
  }
}
