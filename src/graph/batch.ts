// JSON batching: up to 20 Graph requests per `POST /$batch`. Graph counts and throttles each
// sub-request separately, so one batch can come back partly 429: those sub-requests (and
// transient 5xx) are re-sent — after the shared budget's pause-all, with jitter — and the rest
// are kept. Results are matched by id (Graph may answer in any order). Failures after the
// last retry are returned as results, never thrown, so a caller records them and carries on.
import type { GraphEdge } from './graph-client';
import { GraphRequestError, graphErrorOf } from './graph-errors';

export const MAX_BATCH_SIZE = 20;

export interface BatchStep {
  /** Unique within one runBatch call. */
  id: string;
  method: 'GET' | 'DELETE' | 'POST' | 'PATCH';
  /** Relative to the version root, e.g. `/drives/{d}/items/{i}/permissions`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchStepResult {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** How many times the step was sent. */
  attempts: number;
}

export interface BatchOptions {
  /** Sub-requests per batch (≤ 20). Default 20. */
  batchSize?: number;
  /** Batches in flight at once. Default 2 (the budget paces them anyway). */
  concurrency?: number;
  /** Called as results become final (lets a caller stream them into the store). */
  onResult?: (result: BatchStepResult) => void | Promise<void>;
}

interface BatchResponseBody {
  responses?: { id?: string; status?: number; headers?: Record<string, string>; body?: unknown }[];
}

function isRetryable(status: number): boolean {
  return status === 429 || status === 503 || status === 500 || status === 502 || status === 504;
}

/** Sends one batch of ≤ 20 and retries its throttled sub-requests; returns a final result per step. */
async function runOneBatch(edge: GraphEdge, steps: BatchStep[]): Promise<BatchStepResult[]> {
  const budget = edge.budget;
  const final = new Map<string, BatchStepResult>();
  let pending = steps;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const payload = { requests: pending.map((s) => ({ id: s.id, method: s.method, url: s.url, ...(s.headers ? { headers: s.headers } : {}), ...(s.body !== undefined ? { body: s.body, headers: { 'Content-Type': 'application/json', ...(s.headers ?? {}) } } : {}) })) };
    const response = await edge.send('POST', '/$batch', { body: payload });
    if (response.status !== 200) {
      // The whole batch failed (after the middleware's own retries): every step gets that answer.
      const e = graphErrorOf(response.body);
      for (const s of pending) final.set(s.id, { id: s.id, status: response.status, headers: {}, body: { error: e }, attempts: attempt });
      break;
    }
    const byId = new Map((response.body as BatchResponseBody).responses?.map((r) => [String(r.id), r]) ?? []);
    const retry: BatchStep[] = [];
    let transient = false;
    for (const step of pending) {
      const r = byId.get(step.id);
      const status = r?.status ?? 0;
      const headers = Object.fromEntries(Object.entries(r?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      // Reads RateLimit-* and, on 429/503, pauses every worker for max(Retry-After, RateLimit-Reset).
      if (r) budget.observe(status, (n) => headers[n.toLowerCase()]);
      if ((!r || isRetryable(status)) && attempt <= edge.retry.maxRetries) {
        retry.push(step);
        if (status !== 429 && status !== 503) transient = true;
        continue;
      }
      final.set(step.id, { id: step.id, status: r ? status : 0, headers, body: r ? r.body : { error: { code: 'missingBatchResponse', message: 'no response for this id' } }, attempts: attempt });
    }
    if (retry.length) {
      budget.noteRetry(retry.length);
      if (transient) await budget.wait(edge.retry.backoffMs(attempt - 1));
    }
    pending = retry;
  }
  return steps.map((s) => final.get(s.id)!);
}

/** Runs any number of steps as batches of ≤ 20, `concurrency` batches at a time. */
export async function runBatch(edge: GraphEdge, steps: BatchStep[], options: BatchOptions = {}): Promise<BatchStepResult[]> {
  const size = Math.min(MAX_BATCH_SIZE, Math.max(1, options.batchSize ?? MAX_BATCH_SIZE));
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw new Error(`duplicate batch step id ${s.id}`);
    ids.add(s.id);
  }
  const chunks: BatchStep[][] = [];
  for (let i = 0; i < steps.length; i += size) chunks.push(steps.slice(i, i + size));
  const results: BatchStepResult[][] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const index = next++;
      const out = await runOneBatch(edge, chunks[index]!);
      results[index] = out;
      if (options.onResult) for (const r of out) await options.onResult(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, chunks.length)) }, worker));
  return results.flat();
}

/** Turns a non-2xx step result into a GraphRequestError (for callers that want to throw). */
export function stepError(result: BatchStepResult, url: string): GraphRequestError {
  const e = graphErrorOf(result.body);
  return new GraphRequestError(result.status, e.code, e.message, url);
}
