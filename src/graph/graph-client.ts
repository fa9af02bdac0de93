// The one HTTP choke point to Microsoft Graph (cli-microsoft365's `request.ts` habit): the
// Graph SDK client with a middleware chain of
//   BudgetMiddleware (ours: User-Agent, RU pacing, 429/503 pause-all, bounded retries)
//   → AuthenticationHandler (SDK; attaches the msal token to Graph hosts and `customHosts` only —
//     after the budget's wait, so a token is never attached before a long pause and sent stale)
//   → RedirectHandler (SDK; /content answers 302 to a pre-authenticated URL)
//   → TransportMiddleware (the global fetch, or the CA-aware node:https fetch).
// The SDK's RetryHandler is left out on purpose: its retries would bypass the shared budget.
//
// A GRAPH_BASE_URL other than graph.microsoft.com (national clouds, the local fake) must be
// listed in `customHosts` by host NAME without port (the SDK compares hostnames only),
// otherwise the SDK silently sends requests without the Authorization header.
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
  RedirectHandler,
} from '@microsoft/microsoft-graph-client';
import { CredentialsRefused, type AccessTokenSource } from './credentials';
import { GraphRequestError, GraphThrottled, graphErrorOf } from './graph-errors';
import { createNodeFetch, type FetchLike, type TlsOptions } from './https-transport';
import { MeteredRuBudget, RuBudget, type RuSpender, estimateRu } from './ru-budget';
import type { GraphCounters } from './types';

export const DEFAULT_USER_AGENT = 'ISV|Jigsaw|Jigsaw/0.1';

export interface GraphClientOptions {
  credentials: AccessTokenSource;
  /** The app's budget, shared by every edge of the app in the process; the edge meters its own use. */
  budget: RuBudget;
  /** GRAPH_BASE_URL. Default https://graph.microsoft.com. */
  baseUrl?: string;
  /** Decorated User-Agent (Microsoft asks ISVs for `ISV|Company|App/Version`). */
  userAgent?: string;
  /** Transport; absent → global fetch (or a CA-aware node:https fetch when `tls.caPem` is set). */
  fetch?: FetchLike;
  tls?: TlsOptions;
  /** How failed requests are retried. Default: the budget's own (patient: 6 retries, doubling back-off). */
  retry?: RetryPolicy;
}

/**
 * How often and how soon a failed request (network error, 5xx, throttling) is sent again. The
 * background audit can afford to wait out an outage; a person pressing a button cannot.
 */
export interface RetryPolicy {
  maxRetries: number;
  /** Wait before retry number `attempt` (0-based) after a network error or transient 5xx. */
  backoffMs(attempt: number): number;
  /**
   * A throttling pause (429/503 Retry-After) longer than this is not waited out: the response is
   * returned as it is. Absent: every pause is waited out. The pause still holds the other
   * requests of the budget either way.
   */
  maxThrottleWaitMs?: number;
  /**
   * 'interactive': a person is waiting. The request is sent ahead of the budget's queue (its RU
   * still counted), and fails at once with GraphThrottled when a throttling pause would make
   * them wait longer than `maxThrottleWaitMs`. Default 'background': paced, in turn.
   */
  priority?: 'interactive' | 'background';
}

/** The budget's patient policy: what the background audit uses. */
export function patientRetryPolicy(budget: RuSpender): RetryPolicy {
  return { maxRetries: budget.maxRetries, backoffMs: (attempt) => budget.backoffMs(attempt) };
}

/** Retries after a network error or 5xx when a person is waiting for the answer (tab, card actions). */
export const INTERACTIVE_MAX_RETRIES = 1;

/**
 * The policy for calls a person waits on: one quick retry (a blip is worth one more try), then
 * the failure goes back to them within a couple of seconds rather than after half a minute.
 */
export function interactiveRetryPolicy(budget: RuSpender): RetryPolicy {
  return { maxRetries: INTERACTIVE_MAX_RETRIES, backoffMs: (attempt) => Math.min(1_000, budget.backoffMs(attempt)), maxThrottleWaitMs: 2_000, priority: 'interactive' };
}

/** The Graph edge's handle: the SDK client plus what every module of src/graph needs. */
export interface GraphEdge {
  readonly client: Client;
  /** The app's budget as this edge spends it: shared pacing and pauses, this edge's own counters. */
  readonly budget: RuSpender;
  /** This edge's retries (batch.ts retries sub-requests by it too). */
  readonly retry: RetryPolicy;
  /** e.g. https://graph.microsoft.com (no trailing slash). */
  readonly baseUrl: string;
  /** What this edge spent (not the other users of the app's budget). */
  counters(): GraphCounters;
  /** GET a path (`/users`) or absolute URL (a nextLink) and return parsed JSON; throws GraphRequestError. */
  getJson<T>(pathOrUrl: string, headers?: Record<string, string>): Promise<T>;
  /** Sends a raw request through the middleware chain; returns status, headers and body (JSON or bytes). */
  send(method: string, pathOrUrl: string, options?: { headers?: Record<string, string>; body?: unknown; binary?: boolean }): Promise<GraphHttpResponse>;
  /** Releases keep-alive sockets of a transport this module created. */
  close(): void;
}

export interface GraphHttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}


function setHeader(context: Context, name: string, value: string): void {
  context.options = context.options ?? {};
  const h = context.options.headers as Record<string, string> | Headers | undefined;
  if (h instanceof Headers) h.set(name, value);
  else context.options.headers = { ...(h ?? {}), [name]: value };
}

function removeHeader(context: Context, name: string): void {
  const h = context.options?.headers as Record<string, string> | Headers | undefined;
  if (!h) return;
  if (h instanceof Headers) h.delete(name);
  else for (const k of Object.keys(h)) if (k.toLowerCase() === name.toLowerCase()) delete h[k];
}

function requestUrl(context: Context): string {
  return typeof context.request === 'string' ? context.request : (context.request as Request).url;
}

/** Pacing, pause-all on throttling and bounded retries, for every request of the edge. */
export class BudgetMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly budget: RuSpender,
    private readonly userAgent: string,
    private readonly retry: RetryPolicy = patientRetryPolicy(budget),
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = requestUrl(context);
    const method = (context.options?.method ?? 'GET').toUpperCase();
    setHeader(context, 'User-Agent', this.userAgent);
    const { cost, requests } = this.costOf(method, url, context.options?.body);
    for (let attempt = 0; ; attempt++) {
      await this.spend(cost, requests);
      // The SDK's AuthenticationHandler appends; a retry must not send "Bearer a, Bearer b".
      removeHeader(context, 'Authorization');
      try {
        await this.next!.execute(context);
      } catch (err) {
        // Network failure: no response to read. Retry with back-off, then give up. Entra refusing
        // the credential is not a network failure: retrying would only delay the admin's answer.
        if (attempt >= this.retry.maxRetries || (err as Error)?.name === 'AbortError' || err instanceof CredentialsRefused) throw err;
        this.budget.noteRetry();
        await this.budget.wait(this.retry.backoffMs(attempt));
        continue;
      }
      const response = context.response!;
      const verdict = this.budget.observe(response.status, (n) => response.headers.get(n));
      const transient = response.status === 500 || response.status === 502 || response.status === 504;
      if ((!verdict.throttled && !transient) || attempt >= this.retry.maxRetries) return;
      if (verdict.throttled && this.retry.maxThrottleWaitMs !== undefined && verdict.pauseMs > this.retry.maxThrottleWaitMs) return;
      // Drain the body so the keep-alive socket is reused.
      await response.arrayBuffer().catch(() => undefined);
      this.budget.noteRetry();
      if (transient) await this.budget.wait(this.retry.backoffMs(attempt));
      // Throttled: the budget paused every worker; acquire() at the top waits it out.
      context.response = undefined;
    }
  }

  /** Waits for the budget (background) or spends at once unless throttled for too long (interactive). */
  private async spend(cost: number, requests: number): Promise<void> {
    if (this.retry.priority !== 'interactive') return this.budget.acquire(cost, requests);
    const throttledMs = this.budget.throttledForMs(cost);
    if (throttledMs > (this.retry.maxThrottleWaitMs ?? 0)) throw new GraphThrottled(throttledMs);
    if (throttledMs > 0) await this.budget.wait(throttledMs);
    this.budget.spendNow(cost, requests);
  }

  private costOf(method: string, url: string, body: unknown): { cost: number; requests: number } {
    if (method === 'POST' && /\/\$batch(\?|$)/u.test(url)) {
      // Each sub-request is counted (and may be throttled) separately.
      let parsed: { requests?: { method?: string; url?: string }[] } | undefined;
      try {
        parsed = typeof body === 'string' ? JSON.parse(body) : (body as typeof parsed);
      } catch {
        parsed = undefined;
      }
      const subs = parsed?.requests ?? [];
      return { cost: subs.reduce((sum, r) => sum + estimateRu(r.method ?? 'GET', `/v1.0${(r.url ?? '').startsWith('/') ? '' : '/'}${r.url ?? ''}`), 0) || 1, requests: Math.max(1, subs.length) };
    }
    return { cost: estimateRu(method, url), requests: 1 };
  }
}

/** Last link: performs the HTTP call with the configured fetch. */
export class TransportMiddleware implements Middleware {
  constructor(private readonly fetchImpl: FetchLike) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request as string | Request, context.options as RequestInit);
  }
}

export function createGraphEdge(options: GraphClientOptions): GraphEdge {
  const baseUrl = (options.baseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/u, '');
  const host = new URL(baseUrl);
  if (host.protocol !== 'https:') throw new Error('GRAPH_BASE_URL must be https (tokens are only sent over TLS)');
  const owned = !options.fetch && options.tls?.caPem ? createNodeFetch({ caPem: options.tls.caPem }) : undefined;
  const fetchImpl: FetchLike = options.fetch ?? owned?.fetch ?? ((input, init) => fetch(input, init));
  const auth = new AuthenticationHandler({ getAccessToken: () => options.credentials.getAccessToken() });
  const budget = new MeteredRuBudget(options.budget);
  const retry = options.retry ?? patientRetryPolicy(budget);
  const budgetMiddleware = new BudgetMiddleware(budget, options.userAgent ?? DEFAULT_USER_AGENT, retry);
  const redirect = new RedirectHandler();
  const transport = new TransportMiddleware(fetchImpl);
  budgetMiddleware.setNext(auth);
  auth.setNext(redirect);
  redirect.setNext(transport);
  const client = Client.initWithMiddleware({
    middleware: budgetMiddleware,
    baseUrl: `${baseUrl}/`,
    defaultVersion: 'v1.0',
    // Hostnames only: the SDK strips the port before comparing.
    customHosts: new Set([host.hostname]),
  });

  const absolute = (pathOrUrl: string) => (/^https:\/\//u.test(pathOrUrl) ? pathOrUrl : `${baseUrl}/v1.0${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`);

  const send: GraphEdge['send'] = async (method, pathOrUrl, opts = {}) => {
    // Raw sends skip GraphRequest's response parsing (callers need status, headers and bytes)
    // but run the same middleware chain: budget, auth, redirect, transport.
    const url = absolute(pathOrUrl);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
    }
    const context: Context = { request: url, options: { method, headers, body }, customHosts: new Set([host.hostname]) };
    await budgetMiddleware.execute(context);
    const response = context.response!;
    if (opts.binary) return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  return {
    client,
    budget,
    retry,
    baseUrl,
    counters: () => budget.counters,
    send,
    async getJson<T>(pathOrUrl: string, headers?: Record<string, string>): Promise<T> {
      const r = await send('GET', pathOrUrl, { headers });
      if (r.status < 200 || r.status >= 300) {
        const e = graphErrorOf(r.body);
        throw new GraphRequestError(r.status, e.code, e.message, absolute(pathOrUrl));
      }
      return r.body as T;
    },
    close: () => owned?.close(),
  };
}
