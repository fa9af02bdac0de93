// Resource-unit accounting as SharePoint/OneDrive documents it ("avoid getting throttled"):
// a per-app budget per window (a minute in production; tests shrink the window), where every
// request — throttled ones included — spends its cost. Past 80 % of the budget the response
// carries RateLimit-Limit/Remaining/Reset; over it, 429 with Retry-After until the window ends.

export interface RuMeterOptions {
  /** RU allowed per app per window. Default 1,250 (the 0–1,000 licence band). */
  limit?: number;
  /** Window length in ms. Default 60,000. */
  windowMs?: number;
  /**
   * Send RateLimit-* past 80 % (default true). Microsoft sends them on a best-effort basis, not
   * for every limit: false checks that the client's own pacing keeps it under the limit alone.
   */
  rateLimitHeaders?: boolean;
  now?: () => number;
}

export interface RuDecision {
  throttled: boolean;
  /** Headers to add to the response. */
  headers: Record<string, string>;
}

export class RuMeter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly rateLimitHeaders: boolean;
  private readonly now: () => number;
  private readonly windows = new Map<string, { start: number; used: number }>();
  /** Totals per app since start (for tests and the benchmark). */
  readonly totals = new Map<string, { requests: number; ru: number; throttled: number }>();

  constructor(options: RuMeterOptions = {}) {
    this.limit = options.limit ?? 1250;
    this.windowMs = options.windowMs ?? 60_000;
    this.rateLimitHeaders = options.rateLimitHeaders ?? true;
    this.now = options.now ?? Date.now;
  }

  /** Charges `cost` to `app` and decides whether the request is served. */
  charge(app: string, cost: number, forceThrottle = false): RuDecision {
    const now = this.now();
    let w = this.windows.get(app);
    if (!w || now - w.start >= this.windowMs) {
      // Windows are aligned to multiples of windowMs so Reset is predictable.
      w = { start: now - (now % this.windowMs), used: 0 };
      this.windows.set(app, w);
    }
    w.used += cost;
    const total = this.totals.get(app) ?? { requests: 0, ru: 0, throttled: 0 };
    total.requests++;
    total.ru += cost;
    this.totals.set(app, total);
    const resetSeconds = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    const headers: Record<string, string> = {};
    if (this.rateLimitHeaders && w.used >= this.limit * 0.8) {
      headers['RateLimit-Limit'] = String(this.limit);
      headers['RateLimit-Remaining'] = String(Math.max(0, this.limit - w.used));
      headers['RateLimit-Reset'] = String(resetSeconds);
    }
    const throttled = forceThrottle || w.used > this.limit;
    if (throttled) {
      total.throttled++;
      headers['Retry-After'] = String(resetSeconds);
    }
    return { throttled, headers };
  }

  /** A snapshot (a copy: callers subtract one taken before from one taken after). */
  totalFor(app: string): { requests: number; ru: number; throttled: number } {
    const t = this.totals.get(app);
    return t ? { ...t } : { requests: 0, ru: 0, throttled: 0 };
  }
}
