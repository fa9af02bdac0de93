// A client-side resource-unit budget shared by every worker of an audit. SharePoint and
// OneDrive throttle per app per tenant in resource units (RU) per minute; a throttled request
// still spends its RU, so the cheapest 429 is the one never provoked. The budget:
// - paces requests with a token bucket refilled at `targetShare × RU/min` (a small burst, so
//   no minute-window can see more than the limit);
// - reads RateLimit-Remaining/Reset (sent past 80 % of the budget) and waits for the reset
//   rather than spend what the service says is left;
// - on 429/503 pauses ALL workers for the greater of Retry-After and RateLimit-Reset
//   (Microsoft: "honour the greater"), capped, and retries a bounded number of times with jitter.
// Time and randomness are injectable so tests need not sleep for real.
import type { GraphCounters } from './types';

/** Licence bands and their per-minute RU limits (SharePoint "avoid getting throttled", 2025). */
export const RU_PER_MINUTE_BY_LICENCE_BAND = {
  '0-1000': 1250,
  '1001-5000': 2500,
  '5001-15000': 3750,
  '15001-50000': 5000,
  '50000+': 6250,
} as const;

export type LicenceBand = keyof typeof RU_PER_MINUTE_BY_LICENCE_BAND;

export interface RuBudgetOptions {
  /** The tenant's RU limit per window; default from the licence band. */
  ruPerMinute?: number;
  /** Default '0-1000' (most schools). */
  licenceBand?: LicenceBand;
  /** Share of the limit to pace at. Default 0.8: leaves room for other apps' spikes and the 80 % headers. */
  targetShare?: number;
  /** The limit's window. Default 60,000 ms (tests shrink it together with the fake's). */
  windowMs?: number;
  /** Bucket capacity as a share of one window's allowance. Default 0.1. */
  burstShare?: number;
  /**
   * The largest single spend (a `$batch` of 20 permission calls = 100 RU). Any window can see
   * one such lump on top of the paced rate, so the rate is lowered to leave room for it.
   */
  maxRequestCost?: number;
  /** Retries per request after throttling or a transient failure. Default 6. */
  maxRetries?: number;
  /** Longest single pause honoured; longer Retry-After values are capped. Default 5 minutes. */
  maxPauseMs?: number;
  /** Pause when a 429/503 names no delay (cli-microsoft365 uses 10 s). */
  defaultRetryAfterMs?: number;
  /** First back-off for 5xx/network errors; doubles per attempt, with ±50 % jitter. Default 500 ms. */
  backoffBaseMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Reads a response header by (case-insensitive) name. */
export type HeaderGetter = (name: string) => string | null | undefined;

/** What the caller should do with a response. */
export type ResponseVerdict = { action: 'accept' } | { action: 'retry'; reason: 'throttled' | 'transient'; waitedMs: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The documented RU cost of a Graph request: 5 for any permission operation (list, delete,
 * `$expand=permissions`), 1 for delta with a token, 2 for delta without one and other
 * multi-item queries (children, lists), 1 for single-item reads and downloads.
 */
export function estimateRu(method: string, url: string): number {
  const u = new URL(url, 'https://graph.invalid');
  const path = decodeURIComponent(u.pathname);
  if (/\/permissions(\/|$)/u.test(path) || (u.searchParams.get('$expand') ?? '').includes('permissions')) return 5;
  if (/\/delta$/u.test(path) || /\/delta\(/u.test(path)) return u.searchParams.has('token') || /delta\(token=/u.test(path) ? 1 : 2;
  if (method.toUpperCase() !== 'GET') return 2;
  if (/\/(children|drives)$/u.test(path) || /\/v1\.0\/(users|sites|education\/users|organization)$/u.test(path) || /\/(users|sites|education\/users|organization)$/u.test(path)) return 2;
  return 1;
}

function parseRetryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * What a Graph edge needs of a budget. The app's one RuBudget implements it; so does each
 * edge's MeteredRuBudget, which spends from the app's budget and counts the edge's own usage.
 */
export interface RuSpender {
  readonly maxRetries: number;
  readonly counters: GraphCounters;
  acquire(cost: number, requests?: number): Promise<void>;
  spendNow(cost: number, requests?: number): void;
  throttledForMs(cost?: number): number;
  observe(status: number, header: HeaderGetter): { throttled: boolean; pauseMs: number };
  noteRetry(count?: number): void;
  backoffMs(attempt: number): number;
  wait(ms: number): Promise<void>;
}

export class RuBudget implements RuSpender {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxRetries: number;
  private readonly rate: number; // RU per ms
  private readonly capacity: number;
  private readonly options: Required<Pick<RuBudgetOptions, 'maxPauseMs' | 'defaultRetryAfterMs' | 'backoffBaseMs'>>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private tokens: number;
  private lastRefill: number;
  private pausedUntil = 0;
  private serverRemaining: number | undefined;
  private serverResetAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly stats: GraphCounters = { httpRequests: 0, graphRequests: 0, resourceUnits: 0, throttled: 0, retries: 0 };
  /** Total time all workers spent paused by throttling, ms. */
  pausedMs = 0;
  /** Number of times all workers were paused. */
  pauses = 0;

  constructor(options: RuBudgetOptions = {}) {
    this.limit = options.ruPerMinute ?? RU_PER_MINUTE_BY_LICENCE_BAND[options.licenceBand ?? '0-1000'];
    this.windowMs = options.windowMs ?? 60_000;
    // In any window the service can see one burst (or one large batch) plus the paced rate, so
    // pace at min(targetShare × limit, limit − that lump), and never below 5 % of the limit.
    const burst = Math.max(1, this.limit * (options.targetShare ?? 0.8) * (options.burstShare ?? 0.1));
    const lump = Math.max(burst, options.maxRequestCost ?? 100);
    const target = Math.max(this.limit * 0.05, Math.min(this.limit * (options.targetShare ?? 0.8), this.limit - lump));
    this.rate = target / this.windowMs;
    this.capacity = burst;
    this.maxRetries = options.maxRetries ?? 6;
    this.options = {
      maxPauseMs: options.maxPauseMs ?? 300_000,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
      backoffBaseMs: options.backoffBaseMs ?? 500,
    };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.tokens = this.capacity;
    this.lastRefill = this.now();
  }

  /** A snapshot of the counters. */
  get counters(): GraphCounters {
    return { ...this.stats };
  }

  /** True while every worker is held by a throttling pause. */
  get paused(): boolean {
    return this.now() < this.pausedUntil;
  }

  /**
   * Waits until `cost` RU may be spent, then spends it. Waiters are served in order, so one
   * worker's large batch cannot be starved by many small requests.
   * `requests` is how many Graph requests the cost covers (a `$batch` covers several).
   */
  acquire(cost: number, requests = 1): Promise<void> {
    const turn = this.queue.then(() => this.take(cost, requests));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * How long a request costing `cost` would have to wait for throttling to pass: the pause after
   * a 429/503, or the service's reset when it said less than `cost` is left. 0 when neither.
   * (Pacing is not counted: `spendNow` does not wait for it.)
   */
  throttledForMs(cost = 1): number {
    const now = this.now();
    const pause = Math.max(0, this.pausedUntil - now);
    const reset = this.serverRemaining !== undefined && now < this.serverResetAt && this.serverRemaining < cost ? this.serverResetAt - now : 0;
    return Math.max(pause, reset);
  }

  /**
   * Spends `cost` RU at once, ahead of every queued waiter, for a request a person is waiting
   * on (a press in the tab or on a card): it must not queue behind the background audit's
   * paced batches. The bucket goes into debt, so the audit's next requests wait for it: the
   * app's spend per window, which is what Microsoft throttles, stays the same. The caller
   * checks `throttledForMs` first; this does not wait for a pause.
   */
  spendNow(cost: number, requests = 1): void {
    const now = this.now();
    // After a pause the bucket restarts empty at the pause's end (pauseAll); before that, no refill.
    if (now >= this.lastRefill) this.refill(now);
    this.tokens -= cost;
    if (this.serverRemaining !== undefined) this.serverRemaining -= cost;
    this.stats.resourceUnits += cost;
    this.stats.graphRequests += requests;
    this.stats.httpRequests++;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.lastRefill) * this.rate);
    this.lastRefill = now;
  }

  private async take(cost: number, requests: number): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntil) {
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      // The service said little is left in this window: wait for its reset instead.
      if (this.serverRemaining !== undefined && now < this.serverResetAt && this.serverRemaining < cost) {
        await this.sleep(this.serverResetAt - now);
        continue;
      }
      this.refill(now);
      const need = Math.min(cost, this.capacity);
      if (this.tokens >= need) {
        // A cost above the bucket's capacity goes into debt, repaid by the refill before the next request.
        this.tokens -= cost;
        if (this.serverRemaining !== undefined) this.serverRemaining -= cost;
        this.stats.resourceUnits += cost;
        this.stats.graphRequests += requests;
        this.stats.httpRequests++;
        return;
      }
      await this.sleep(Math.max(1, Math.ceil((need - this.tokens) / this.rate)));
    }
  }

  /** Records RU charged for sub-requests re-sent inside a new `$batch` (counted there, not here). */
  noteRetry(count = 1): void {
    this.stats.retries += count;
  }

  /** Pauses every worker until `ms` from now (never shortens an existing pause). */
  pauseAll(ms: number): void {
    const now = this.now();
    const until = now + Math.min(ms, this.options.maxPauseMs);
    if (until > this.pausedUntil) {
      this.pausedMs += until - Math.max(now, this.pausedUntil);
      this.pauses++;
      this.pausedUntil = until;
    }
    // The service is out of budget: start the bucket empty after the pause.
    this.tokens = Math.min(this.tokens, 0);
    this.lastRefill = Math.max(this.lastRefill, until);
  }

  /**
   * Reads rate-limit headers from any response, and decides about throttling. A 429/503
   * pauses every worker for max(Retry-After, RateLimit-Reset) and returns how long.
   */
  observe(status: number, header: HeaderGetter): { throttled: boolean; pauseMs: number } {
    const now = this.now();
    const remaining = header('ratelimit-remaining');
    const reset = header('ratelimit-reset');
    const resetMs = parseRetryAfterMs(reset, now);
    if (remaining != null && resetMs !== undefined) {
      this.serverRemaining = Number(remaining);
      this.serverResetAt = now + resetMs;
    }
    if (status !== 429 && status !== 503) return { throttled: false, pauseMs: 0 };
    this.stats.throttled++;
    const retryAfterMs = parseRetryAfterMs(header('retry-after'), now);
    // "Retry-After: 0" is a real answer (retry now); only a 429 naming no delay gets the default.
    const pauseMs = retryAfterMs === undefined && resetMs === undefined ? this.options.defaultRetryAfterMs : Math.max(retryAfterMs ?? 0, resetMs ?? 0);
    this.pauseAll(pauseMs);
    return { throttled: true, pauseMs: Math.min(pauseMs, this.options.maxPauseMs) };
  }

  /** Back-off before retrying a transient failure (5xx other than 503, network errors). */
  backoffMs(attempt: number): number {
    const base = this.options.backoffBaseMs * 2 ** Math.max(0, attempt);
    return Math.min(this.options.maxPauseMs, Math.round(base * (0.5 + this.random())));
  }

  /** Waits out a back-off (not a global pause: one failing request should not stop the others). */
  async wait(ms: number): Promise<void> {
    await this.sleep(ms);
  }
}

/**
 * One user's view of the app's budget: every request is paced, paused and counted by the shared
 * budget (Microsoft throttles the app, not the user), while `counters` says what this user spent,
 * so an audit's report never includes the RU an AUP sync spent at the same time.
 */
export class MeteredRuBudget implements RuSpender {
  private readonly stats: GraphCounters = { httpRequests: 0, graphRequests: 0, resourceUnits: 0, throttled: 0, retries: 0 };

  constructor(readonly shared: RuBudget) {}

  get maxRetries(): number {
    return this.shared.maxRetries;
  }

  get counters(): GraphCounters {
    return { ...this.stats };
  }

  async acquire(cost: number, requests = 1): Promise<void> {
    await this.shared.acquire(cost, requests);
    this.count(cost, requests);
  }

  spendNow(cost: number, requests = 1): void {
    this.shared.spendNow(cost, requests);
    this.count(cost, requests);
  }

  throttledForMs(cost = 1): number {
    return this.shared.throttledForMs(cost);
  }

  observe(status: number, header: HeaderGetter): { throttled: boolean; pauseMs: number } {
    const verdict = this.shared.observe(status, header);
    if (verdict.throttled) this.stats.throttled++;
    return verdict;
  }

  noteRetry(count = 1): void {
    this.shared.noteRetry(count);
    this.stats.retries += count;
  }

  backoffMs(attempt: number): number {
    return this.shared.backoffMs(attempt);
  }

  wait(ms: number): Promise<void> {
    return this.shared.wait(ms);
  }

  private count(cost: number, requests: number): void {
    this.stats.resourceUnits += cost;
    this.stats.graphRequests += requests;
    this.stats.httpRequests++;
  }
}
