/**
 * Exponential back-off with full jitter (AWS architecture blog), capped, never shorter than a
 * server's Retry-After. `random` is injectable so tests are deterministic.
 */
export function backoffDelayMs(attempt: number, options: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number }): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, options.retryAfterMs ?? 0);
}
