/** Latency summaries for the benchmarks (milliseconds). */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  throughputPerSecond: number;
}

export function summarise(latenciesMs: number[], wallMs: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0, throughputPerSecond: (sorted.length / wallMs) * 1000 };
}

/** Runs `total` calls of `call(i)` with `concurrency` in flight; returns each call's latency. */
export async function runClosedLoop(total: number, concurrency: number, call: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

export function formatRow(name: string, s: LatencySummary): string {
  const f = (n: number) => n.toFixed(1).padStart(8);
  return `${name.padEnd(28)}${String(s.count).padStart(7)}${f(s.p50)}${f(s.p95)}${f(s.p99)}${f(s.max)}${s.throughputPerSecond.toFixed(0).padStart(10)}`;
}

export const HEADER = `${'scenario'.padEnd(28)}${'n'.padStart(7)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(8)}${'req/s'.padStart(10)}`;
