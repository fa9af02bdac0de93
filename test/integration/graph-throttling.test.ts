// Throttling: a 429 storm survived by concurrent workers with no lost items and every worker
// paused; the client-side RU budget keeping a run at 0 throttled responses when configured at
// the fake's limit; client RU estimates matching the server's accounting; latency injection.
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { walkDrive } from '../../src/graph/drive-walker';
import { listPermissions } from '../../src/graph/permissions';
import { createNodeFetch } from '../../src/graph/https-transport';
import type { RuBudgetOptions } from '../../src/graph/ru-budget';

/** Walks every drive with `workers` concurrent walkers, then lists permissions of sharing roots. */
async function audit(fake: FakeGraphTenant, c: Connection, workers: number): Promise<{ ids: Set<string>; roots: string[]; permissionsOk: number }> {
  const ids = new Set<string>();
  const roots: { driveId: string; itemId: string }[] = [];
  const queue = [...fake.tenant.drives];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        for await (const page of walkDrive(c.edge, { driveId: d.id, pageSize: 40 })) {
          for (const item of page.items) {
            ids.add(item.id);
            if (item.shared) roots.push({ driveId: item.driveId, itemId: item.id });
          }
        }
      }
    }),
  );
  const perms = await listPermissions(c.edge, roots, { concurrency: workers });
  return { ids, roots: roots.map((r) => r.itemId), permissionsOk: perms.filter((p) => p.ok).length };
}

function expectedIds(fake: FakeGraphTenant): Set<string> {
  return new Set(fake.tenant.drives.flatMap((d) => fake.tenant.liveItems(d).map((i) => fake.tenant.itemId(i))));
}

describe('throttling against the fake Graph', () => {
  let fake: FakeGraphTenant;
  const budgetAt = (o: RuBudgetOptions) => ({ windowMs: 500, ...o });

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { seed: 3, items: 2000, staff: 3, pupils: 3, sites: 0, sharingRootShare: 0.03 },
      ru: { limit: 300, windowMs: 500 },
      shortPageRate: 0.1,
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('keeps a concurrent run at 0 throttled responses when the budget is set to the service limit', async () => {
    const c = connectToFake(fake, { budget: budgetAt({ ruPerMinute: 300 }) });
    try {
      const before = fake.meter.totalFor(DEFAULT_APP.clientId);
      const { ids, roots, permissionsOk } = await audit(fake, c, 4);
      const after = fake.meter.totalFor(DEFAULT_APP.clientId);
      expect(ids).toEqual(expectedIds(fake));
      expect(permissionsOk).toBe(roots.length);
      expect(after.throttled - before.throttled).toBe(0);
      expect(c.edge.counters().throttled).toBe(0);
      // The client's RU estimate is the server's accounting, request for request.
      expect(c.edge.counters().resourceUnits).toBe(after.ru - before.ru);
      expect(c.edge.counters().graphRequests).toBe(after.requests - before.requests);
    } finally {
      c.close();
    }
  });

  it('without pacing, the same run is throttled — and still loses nothing', async () => {
    const c = connectToFake(fake, { budget: budgetAt({ ruPerMinute: 50_000 }) });
    try {
      const { ids, roots, permissionsOk } = await audit(fake, c, 4);
      expect(ids).toEqual(expectedIds(fake));
      expect(permissionsOk).toBe(roots.length);
      expect(c.edge.counters().throttled).toBeGreaterThan(0);
      expect(c.budget.pauses).toBeGreaterThan(0);
    } finally {
      c.close();
    }
  });

  it('survives a 429/503 storm: every worker pauses for Retry-After, no item is lost', async () => {
    // Paced at the limit, so every 429/503 seen is one of the injected storm.
    const c = connectToFake(fake, { budget: budgetAt({ ruPerMinute: 300 }) });
    try {
      // Warm msal's token cache so the storm hits Graph requests only.
      await c.credentials.getAccessToken();
      const logStart = fake.api.log.length;
      fake.injectFailures({ count: 3, status: 429, retryAfterSeconds: 1, pathIncludes: '/delta' });
      fake.injectFailures({ count: 1, status: 503, retryAfterSeconds: 1, pathIncludes: '/delta' });
      const { ids } = await audit(fake, c, 4);
      expect(ids).toEqual(expectedIds(fake));
      expect(c.edge.counters().throttled).toBe(4);
      expect(c.budget.pauses).toBeGreaterThanOrEqual(1);
      // While a pause runs, nobody sends: no request reaches the fake between a 429/503
      // (plus the in-flight slack) and its Retry-After.
      const log = fake.api.log.slice(logStart);
      for (const t of log.filter((l) => l.status === 429 || l.status === 503)) {
        const during = log.filter((l) => l.at > t.at + 50 && l.at < t.at + 950);
        expect(during).toEqual([]);
      }
    } finally {
      c.close();
    }
  });

  it('gives up after a bounded number of retries with the typed error', async () => {
    const c = connectToFake(fake, { budget: budgetAt({ ruPerMinute: 50_000, maxRetries: 1 }) });
    try {
      fake.injectFailures({ count: 2, status: 503, retryAfterSeconds: 0, pathIncludes: '/organization' });
      await expect(c.edge.getJson('/organization')).rejects.toMatchObject({ status: 503, code: 'serviceNotAvailable' });
      expect(c.edge.counters().retries).toBe(1);
    } finally {
      fake.api.clearFailures();
      c.close();
    }
  });

  it('sends RateLimit-* headers past 80 % of the budget and 429 + Retry-After beyond it (per app)', async () => {
    const app = { clientId: 'eeeeeeee-5555-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['x'], roles: ['Files.Read.All'] };
    fake.registerApp(app);
    const c = connectToFake(fake, { clientId: app.clientId, clientSecret: 'x' });
    // Raw requests: the edge's budget would (rightly) wait on RateLimit-Remaining instead of overspending.
    const raw = createNodeFetch({ caPem: fake.caPem });
    try {
      const auth = { Authorization: `Bearer ${await c.credentials.getAccessToken()}` };
      const root = fake.tenant.sharingRoots()[0]!;
      const url = `${fake.url}/v1.0/drives/${fake.tenant.drives[fake.tenant.driveIndexOf(root)]!.id}/items/${fake.tenant.itemId(root)}/permissions`;
      let sawHeaders = false;
      let throttled: Headers | undefined;
      for (let i = 0; i < 400 && !throttled; i++) {
        const r = await raw.fetch(url, { headers: auth });
        await r.arrayBuffer();
        if (r.status === 429) throttled = r.headers;
        else if (r.headers.get('ratelimit-limit')) {
          sawHeaders = true;
          expect(r.headers.get('ratelimit-limit')).toBe('300');
          expect(Number(r.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(60);
          expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
        }
      }
      expect(sawHeaders).toBe(true);
      expect(Number(throttled!.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(fake.meter.totalFor(app.clientId).throttled).toBeGreaterThan(0);
      // The budget is per app: the default app is not throttled by this one's spending.
      const other = connectToFake(fake);
      try {
        expect((await other.edge.getJson<{ value: unknown[] }>('/organization')).value).toHaveLength(1);
      } finally {
        other.close();
      }
    } finally {
      raw.close();
      c.close();
    }
  });

  it('injects latency on every request', async () => {
    const c = connectToFake(fake);
    try {
      await c.credentials.getAccessToken();
      fake.setLatency(120);
      const started = Date.now();
      await c.edge.getJson('/organization');
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    } finally {
      fake.setLatency(0);
      c.close();
    }
  });
});
