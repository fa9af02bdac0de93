/**
 * A small metrics registry rendered in the Prometheus text format (exposition 0.0.4) at
 * /metrics. No dependency: counters and gauges with labels, plus collectors that read the
 * store at scrape time (outbox lag is a fact of the store, not of this process).
 *
 * Owners of a capability add their own metrics through `jigsaw.metrics` (one registry per app):
 *   const escalations = metrics.counter('jigsaw_escalations_total', 'Urgent concerns escalated', ['step']);
 *   escalations.inc({ step: 'headteacher' });
 * Labels carry ids of kinds and outcomes only — never names, narrative or Entra ids.
 */
export type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

abstract class Metric {
  protected readonly series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract readonly type: 'counter' | 'gauge';

  protected key(labels: Labels): string {
    return this.labelNames.map((n) => `${n}=${labels[n] ?? ''}`).join(',');
  }

  protected add(labels: Labels, delta: number, replace: boolean): void {
    const k = this.key(labels);
    const s = this.series.get(k) ?? { labels: pick(labels, this.labelNames), value: 0 };
    s.value = replace ? delta : s.value + delta;
    this.series.set(k, s);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.series.values()) lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return lines.join('\n');
  }

  valueOf(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }
}

export class Counter extends Metric {
  readonly type = 'counter' as const;
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error('a counter only goes up');
    this.add(labels, by, false);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge' as const;
  set(labels: Labels, value: number): void {
    this.add(labels, value, true);
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: (() => Promise<void>)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, () => new Counter(name, help, labelNames)) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, () => new Gauge(name, help, labelNames)) as Gauge;
  }

  /** Runs before each scrape, e.g. to read counts from the store into gauges. */
  collect(collector: () => Promise<void>): void {
    this.collectors.push(collector);
  }

  async render(): Promise<string> {
    // A failing collector leaves its gauges at their last values; the scrape still answers.
    await Promise.all(this.collectors.map((c) => c().catch(() => undefined)));
    return `${[...this.metrics.values()].map((m) => m.render()).join('\n')}\n`;
  }

  private register(name: string, create: () => Metric): Metric {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name ${name}`);
    const existing = this.metrics.get(name);
    if (existing) return existing;
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}

function pick(labels: Labels, names: readonly string[]): Labels {
  return Object.fromEntries(names.map((n) => [n, labels[n] ?? '']));
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
