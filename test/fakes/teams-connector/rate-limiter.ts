// Sliding-window rate limiter modelled on the Teams bot API limits published in
// "Optimize your bot with rate limiting in Teams" (msteams-docs, bots/how-to/rate-limit.md).
// Teams documents only the windows and maxima, not the algorithm; a sliding log is the
// strictest reading, so a client that passes here also passes against the real service.

export interface RateWindow {
  /** Length of the window in milliseconds. */
  windowMs: number;
  /** Operations allowed inside any window of that length. */
  max: number;
}

/** Kinds of request Teams rate-limits separately ("Scenario" column of the Teams table). */
export type RateCategory = 'send' | 'create' | 'members' | 'conversations' | 'nonPagedMembers';

export interface RateLimitConfig {
  enabled: boolean;
  /** Per bot per conversation ("thread") limits, by scenario. */
  perConversation: Record<RateCategory, RateWindow[]>;
  /** Global per app per tenant requests per second (docs say 30; some sources say 50). */
  perTenantPerSecond: number;
  /** Fixed Retry-After to send instead of the computed one (tests that want a fast retry). */
  retryAfterSeconds?: number;
  /** false: answer 429 without a Retry-After header (the Teams docs do not promise one). */
  sendRetryAfter?: boolean;
}

const s = (seconds: number, max: number): RateWindow => ({ windowMs: seconds * 1000, max });

/** The values in the Teams docs table (per bot per thread). */
export function defaultRateLimits(): RateLimitConfig {
  return {
    enabled: true,
    perConversation: {
      send: [s(1, 7), s(2, 8), s(30, 60), s(3600, 1800)],
      create: [s(1, 7), s(2, 8), s(30, 60), s(3600, 1800)],
      members: [s(1, 14), s(2, 16), s(30, 120), s(3600, 3600)],
      conversations: [s(1, 14), s(2, 16), s(30, 120), s(3600, 3600)],
      // The deprecated non-paged roster call: "throttled to five requests per minute".
      nonPagedMembers: [s(60, 5)],
    },
    perTenantPerSecond: 30,
  };
}

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the request would be allowed (only when not allowed). */
  retryAfterSeconds?: number;
  /** Which limit refused it, for the request log. */
  limit?: string;
}

/** Timestamps of accepted requests per key; rejected requests are not counted. */
export class SlidingWindowLimiter {
  private readonly log = new Map<string, number[]>();

  constructor(private longestWindowMs: number) {}

  setLongestWindow(ms: number): void {
    this.longestWindowMs = ms;
  }

  /** Milliseconds until `key` has room under every window, or 0 if it has room now. */
  waitMs(key: string, windows: RateWindow[], now: number): number {
    const times = this.prune(key, now);
    let wait = 0;
    for (const w of windows) {
      const inWindow = times.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.max) {
        // The request fits once enough of the oldest entries have left the window.
        const mustExpire = inWindow[inWindow.length - w.max];
        wait = Math.max(wait, mustExpire + w.windowMs - now);
      }
    }
    return wait;
  }

  record(key: string, now: number): void {
    const times = this.log.get(key) ?? [];
    times.push(now);
    this.log.set(key, times);
  }

  reset(): void {
    this.log.clear();
  }

  private prune(key: string, now: number): number[] {
    const times = this.log.get(key) ?? [];
    const kept = times.filter((t) => t > now - this.longestWindowMs);
    this.log.set(key, kept);
    return kept;
  }
}

/** Applies the per-conversation and per-tenant limits for one request. */
export class TeamsRateLimiter {
  private readonly limiter = new SlidingWindowLimiter(3_600_000);

  constructor(public config: RateLimitConfig) {
    this.limiter.setLongestWindow(longestWindow(config));
  }

  configure(config: RateLimitConfig): void {
    this.config = config;
    this.limiter.setLongestWindow(longestWindow(config));
  }

  reset(): void {
    this.limiter.reset();
  }

  check(category: RateCategory, conversationKey: string, tenantId: string, now: number): RateDecision {
    if (!this.config.enabled) return { allowed: true };
    const convKey = `conv|${category}|${conversationKey}`;
    const tenantKey = `tenant|${tenantId}`;
    const convWait = this.limiter.waitMs(convKey, this.config.perConversation[category], now);
    const tenantWait = this.limiter.waitMs(tenantKey, [{ windowMs: 1000, max: this.config.perTenantPerSecond }], now);
    if (convWait > 0 || tenantWait > 0) {
      const waitMs = Math.max(convWait, tenantWait);
      return {
        allowed: false,
        // Retry-After is whole seconds (RFC 9110); never 0, which would invite a hot retry loop.
        retryAfterSeconds: this.config.retryAfterSeconds ?? Math.max(1, Math.ceil(waitMs / 1000)),
        limit: convWait >= tenantWait ? `per-conversation ${category}` : 'per-tenant',
      };
    }
    this.limiter.record(convKey, now);
    this.limiter.record(tenantKey, now);
    return { allowed: true };
  }
}

function longestWindow(config: RateLimitConfig): number {
  const all = Object.values(config.perConversation).flat();
  return Math.max(1000, ...all.map((w) => w.windowMs));
}
