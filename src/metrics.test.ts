import { loadConfig } from './config';
import { MetricsRegistry } from './metrics';

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format, labels escaped', async () => {
    const registry = new MetricsRegistry();
    const sent = registry.counter('jigsaw_test_total', 'Things done', ['outcome']);
    sent.inc({ outcome: 'sent' });
    sent.inc({ outcome: 'sent' }, 2);
    sent.inc({ outcome: 'with "quotes"\nand newline' });
    const lag = registry.gauge('jigsaw_test_lag_seconds', 'Lag');
    registry.collect(async () => lag.set({}, 42));
    expect(await registry.render()).toBe(
      [
        '# HELP jigsaw_test_total Things done',
        '# TYPE jigsaw_test_total counter',
        'jigsaw_test_total{outcome="sent"} 3',
        'jigsaw_test_total{outcome="with \\"quotes\\"\\nand newline"} 1',
        '# HELP jigsaw_test_lag_seconds Lag',
        '# TYPE jigsaw_test_lag_seconds gauge',
        'jigsaw_test_lag_seconds 42',
        '',
      ].join('\n'),
    );
    expect(sent.valueOf({ outcome: 'sent' })).toBe(3);
  });

  it('returns the same metric for the same name, refuses bad names and negative counts', async () => {
    const registry = new MetricsRegistry();
    expect(registry.counter('a_total', 'x')).toBe(registry.counter('a_total', 'x'));
    expect(() => registry.counter('bad name', 'x')).toThrow(/invalid metric name/);
    expect(() => registry.counter('b_total', 'x').inc({}, -1)).toThrow();
  });

  it('still answers when a collector fails', async () => {
    const registry = new MetricsRegistry();
    registry.gauge('up', 'x').set({}, 1);
    registry.collect(async () => {
      throw new Error('store down');
    });
    expect(await registry.render()).toContain('up 1');
  });
});

describe('operations settings (config.ts)', () => {
  it('defaults: lag 300 s, lease 60 s, retention 25 years / 6 years / 365 days, no metrics token', () => {
    const c = loadConfig({});
    expect({ lag: c.readyMaxOutboxLagSeconds, lease: c.outbox.leaseSeconds, retention: c.retention, token: c.metricsToken }).toEqual({
      lag: 300,
      lease: 60,
      retention: { concernYears: 25, aupYears: 6, auditFindingsDays: 365 },
      token: undefined,
    });
  });

  it('names each bad value', () => {
    expect(() => loadConfig({ READY_MAX_OUTBOX_LAG_SECONDS: '0', METRICS_TOKEN: 'short', RETENTION_CONCERN_YEARS: 'lots' })).toThrow(/READY_MAX_OUTBOX_LAG_SECONDS[\s\S]*METRICS_TOKEN must be at least 16 characters[\s\S]*RETENTION_CONCERN_YEARS/);
  });
});
