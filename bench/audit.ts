// Sharing audit benchmark (issue 4): `npx tsx bench/audit.ts [--items N] [--million]`.
//
// A generated tenant (1 % sharing roots) is served by the fake Entra + Graph tenant over HTTPS
// with simulated latency. The audit runs as the real `jigsaw audit-sharing` command, as shipped
// (the compiled CLI, `node dist/cli.js`, built first), in a child process so its peak RSS
// excludes the fake: a full run, then an incremental run after 1 % of the items change. The naive audit (children walk + permissions for every item) runs in this
// process on a sample of the same tenant, and its cost is extrapolated to every item.
//
// Options: --items N (default 100,000), --million (1,000,000 items: the RSS check),
// --latency MS (30), --ru-per-minute N (the configured budget; default 6,250, the 50,000+
// licence band; 60,000 with --million to keep the RSS check short), --naive-items N (sample, 1,000).
// Store: PostgreSQL when DATABASE_URL is set (a throwaway schema), else PGlite in a temp folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createGraph } from '../src/graph/create-graph';
import { listPermissions } from '../src/graph/permissions';
import type { SharingAuditReport } from '../src/jobs/sharing-audit/report-json';
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../test/fakes/graph-tenant';
import { createRandom } from '../test/fakes/graph-tenant/prng';

const NAIVE_APP = { clientId: '0a1b2c3d-5555-4e6f-8a9b-0c1d2e3f4a5b', displayName: 'Naive audit script', secrets: ['naive'], roles: DEFAULT_APP.roles };

const { values: args } = parseArgs({
  options: {
    items: { type: 'string' },
    million: { type: 'boolean', default: false },
    latency: { type: 'string', default: '30' },
    'ru-per-minute': { type: 'string' },
    'naive-items': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '2026' },
    // The generator's defaults (a small school's drives); more drives add 1 RU each per incremental run.
    staff: { type: 'string', default: '8' },
    pupils: { type: 'string', default: '24' },
    sites: { type: 'string', default: '2' },
  },
});
const items = args.million ? 1_000_000 : Number(args.items ?? 100_000);
const latencyMs = Number(args.latency);
const ruPerMinute = Number(args['ru-per-minute'] ?? (args.million ? 60_000 : 6_250));
const naiveSample = Number(args['naive-items']);
const n = (v: number) => Math.round(v).toLocaleString('en-GB');
const mb = () => Math.round(process.memoryUsage().rss / 1048576);

interface ChildResult {
  code: number;
  wallMs: number;
  maxRssMb: number;
  /** The child's event-loop delay (monitorEventLoopDelay): what a request arriving meanwhile waits. */
  loopDelayMs: { p50: number; p99: number; max: number; longest: Array<{ ms: number; endedAtS: number }> };
  output: string;
}

const loopDelayLine = ({ loopDelayMs: d, wallMs }: ChildResult) =>
  `event loop held up: p50 ${n(d.p50)} ms, p99 ${n(d.p99)} ms; the three longest ${d.longest.map((l) => `${n(l.ms)} ms ending ${l.endedAtS} s`).join(', ')} into the ${(wallMs / 1000).toFixed(1)} s process (start-up and the CLI's report at the end are not the server's; a Teams request arriving during the scheduled audit waits as long as a hold-up in between)`;

const ROOT = join(__dirname, '..');

/**
 * Builds the server as `npm run build` does (without the tab), so the audit is measured as an
 * admin runs it: `node dist/cli.js`. Under tsx the TypeScript loader alone added about 75 MB of
 * RSS to every figure, which is not the product's.
 */
function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts/copy-assets.js')], { cwd: ROOT, stdio: 'inherit' });
}

/** Runs node on the compiled code with bench/peak-rss-on-exit.cjs preloaded, which reports the peak RSS. */
function runMeasured(nodeArgs: string[], env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', join(__dirname, 'peak-rss-on-exit.cjs'), ...nodeArgs], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return reject(new Error(`audit process gave no result:\n${output}`));
      resolve({ ...(JSON.parse(line.slice('BENCH_RESULT '.length)) as Omit<ChildResult, 'output'>), output });
    });
  });
}

/** One `jigsaw` command, as shipped. */
const runJigsaw = (argv: string[], env: Record<string, string>) => runMeasured([join(ROOT, 'dist/cli.js'), ...argv], env);

/**
 * Creates the store (PGlite's initdb + Jigsaw's migrations) as the server's first start does in
 * a deployment, so the audit's peak RSS is measured against an existing store. Creating a PGlite
 * database peaks far above running one; that figure is printed separately.
 */
const createStore = (env: Record<string, string>) =>
  runMeasured(['-e', `require(${JSON.stringify(join(ROOT, 'dist/store/open-store'))}).openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR }).then((db) => db.close())`], env);

async function prepareStore(): Promise<{ env: Record<string, string>; label: string; cleanup: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `bench_${Date.now().toString(36)}`;
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const withPath = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return {
      env: { DATABASE_URL: withPath },
      label: 'PostgreSQL server (DATABASE_URL)',
      cleanup: async () => {
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-bench-pglite-'));
  return { env: { DATA_DIR: dir }, label: 'PGlite (data folder)', cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** The delta pages the audit app was served, and their RU (first page of a drive: 2, others: 1). */
function deltaCost(fake: FakeGraphTenant, since: number): { pages: number; ru: number } {
  let pages = 0;
  let ru = 0;
  for (const entry of fake.api.log.slice(since)) {
    if (entry.app !== DEFAULT_APP.clientId || !entry.path.includes('/root/delta')) continue;
    pages += 1;
    ru += entry.cost;
  }
  return { pages, ru };
}

/** The audit app's RU by kind of request, from the fake's log. */
function ruByKind(fake: FakeGraphTenant, since: number): Record<'delta' | 'permissions' | 'content' | 'discovery', number> {
  const out = { delta: 0, permissions: 0, content: 0, discovery: 0 };
  for (const entry of fake.api.log.slice(since)) {
    if (entry.app !== DEFAULT_APP.clientId) continue;
    const kind = entry.path.includes('/root/delta') ? 'delta' : entry.path.includes('/permissions') ? 'permissions' : entry.path.includes('/content') || entry.path.includes('/_download/') ? 'content' : 'discovery';
    out[kind] += entry.cost;
  }
  return out;
}

/** Changes 1 % of the live items: renames, moves, new files, deletions and a few sharing changes. */
function changeOnePercent(fake: FakeGraphTenant, seed: number): Record<string, number> {
  const t = fake.tenant;
  const rnd = createRandom(seed);
  const target = Math.round(items * 0.01);
  const mix = { renamed: 0, moved: 0, added: 0, deleted: 0, linkAdded: 0, linkRemoved: 0 };
  const roots = t.sharingRoots().filter((i) => t.ownPermissions(i).length > 0);
  const touched = new Set<number>();
  let done = 0;
  while (done < target) {
    const drive = t.drives[Math.floor(rnd() * t.drives.length)]!;
    const pos = 1 + Math.floor(rnd() * (t.driveLength(drive) - 1));
    const i = t.driveItemAt(drive, pos);
    if (i < 0 || t.isDeleted(i) || t.isRoot(i) || touched.has(i)) continue;
    touched.add(i);
    const r = rnd();
    // Mostly edits of names and places; sharing changes at a few times the tenant's 1 % root rate.
    if (r < 0.7) {
      t.renameItem(i, `${t.nameOf(i).replace(/(\.[^.]*)?$/u, ` (edited)$1`)}`);
      mix.renamed++;
    } else if (r < 0.85) {
      if (t.isFolder(i)) continue;
      const folder = t.liveItems(drive).find((f) => t.isFolder(f) && f !== t.parentOf(i));
      if (folder === undefined) continue;
      t.moveItem(i, folder);
      mix.moved++;
    } else if (r < 0.92) {
      const parent = t.isFolder(i) ? i : t.parentOf(i);
      t.addItem(parent, { name: `New notes ${done}.docx` });
      mix.added++;
    } else if (r < 0.97) {
      if (t.isFolder(i)) continue;
      t.deleteItem(i);
      mix.deleted++;
    } else if (r < 0.99) {
      t.addLink(i, { scope: rnd() < 0.5 ? 'anonymous' : 'organization' });
      mix.linkAdded++;
    } else {
      const root = roots.pop();
      if (root === undefined || t.isDeleted(root)) continue;
      const p = t.ownPermissions(root)[0];
      if (!p) continue;
      t.removePermission(root, p.id);
      mix.linkRemoved++;
    }
    done++;
  }
  return mix;
}

/** The naive audit: walk every folder with /children and list permissions for every item. */
async function naiveSampleRun(fake: FakeGraphTenant): Promise<{ items: number; ru: number; throttled: number; wallMs: number }> {
  fake.registerApp(NAIVE_APP);
  const connection = createGraph({
    tenantId: fake.tenantId,
    clientId: NAIVE_APP.clientId,
    clientSecret: NAIVE_APP.secrets[0],
    authorityHost: fake.url,
    graphBaseUrl: fake.url,
    caPem: fake.caPem,
    ruPerMinute,
  });
  const edge = connection.edge;
  const started = Date.now();
  let inspected = 0;
  try {
    outer: for (const drive of fake.tenant.drives) {
      const folders: string[] = ['root'];
      while (folders.length) {
        const folder = folders.shift()!;
        const base = folder === 'root' ? `/drives/${drive.id}/root/children` : `/drives/${drive.id}/items/${folder}/children`;
        let url: string | undefined = `${base}?$select=id,name,folder,file&$top=1000`;
        while (url) {
          const page: { value: { id: string; folder?: unknown }[]; '@odata.nextLink'?: string } = await edge.getJson(url);
          const batch = page.value.slice(0, naiveSample - inspected);
          await listPermissions(edge, batch.map((c) => ({ driveId: drive.id, itemId: c.id })), { concurrency: 4 });
          inspected += batch.length;
          for (const c of batch) if (c.folder) folders.push(c.id);
          if (inspected >= naiveSample) break outer;
          url = page['@odata.nextLink'];
        }
      }
    }
  } finally {
    connection.close();
  }
  const total = fake.meter.totals.get(NAIVE_APP.clientId) ?? { ru: 0, throttled: 0 };
  return { items: inspected, ru: total.ru, throttled: total.throttled, wallMs: Date.now() - started };
}

async function main(): Promise<void> {
  const started = Date.now();
  buildCli();
  const fake = await startFakeGraphTenant({
    tenant: { seed: Number(args.seed), items, staff: Number(args.staff), pupils: Number(args.pupils), sites: Number(args.sites), sharingRootShare: 0.01 },
    ru: { limit: ruPerMinute, windowMs: 60_000 },
    latencyMs,
  });
  const t = fake.tenant;
  const rootsWithLinks = t.sharingRoots().filter((i) => t.ownPermissions(i).length > 0).length;
  const uniqueRoots = t.sharingRoots().length;
  const store = await prepareStore();
  const work = mkdtempSync(join(tmpdir(), 'jigsaw-bench-'));
  const env: Record<string, string> = {
    ...store.env,
    GRAPH_TENANT_ID: fake.tenantId,
    GRAPH_CLIENT_ID: DEFAULT_APP.clientId,
    GRAPH_CLIENT_SECRET: DEFAULT_APP.secrets![0]!,
    AUTHORITY_HOST: fake.url,
    GRAPH_BASE_URL: `${fake.url}/v1.0`,
    GRAPH_EXTRA_CA_FILE: fake.caFile,
    GRAPH_RU_PER_MINUTE: String(ruPerMinute),
    AUDIT_INCLUDE_SITES: 'true',
    LOG_LEVEL: 'silent',
  };
  const out: string[] = [];
  const say = (line = '') => {
    out.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    say(`Sharing audit benchmark — ${n(items)} items in ${t.drives.length} drives (${t.users.filter((u) => u.drive >= 0).length} OneDrives, ${t.sites.length} site libraries), latency ${latencyMs} ms, budget ${n(ruPerMinute)} RU/min, store: ${store.label}, ${n(require('node:os').cpus().length)} CPU(s)`);
    say(`Sharing roots: ${n(uniqueRoots)} items with unique permissions (${((uniqueRoots / items) * 100).toFixed(2)} %), ${n(rootsWithLinks)} of them with links (the ones whose permissions must be read)`);
    say();

    // ---- the store, created first as the server's first start does in a deployment: the audit
    // then runs against an existing store and its peak RSS is the audit's own.
    const created = await createStore(env);
    if (created.code !== 0) throw new Error(`creating the store failed:\n${created.output}`);
    say(`Store created first, in its own process, as the server's first start does: peak RSS ${n(created.maxRssMb)} MB (${(created.wallMs / 1000).toFixed(1)} s)`);
    say();

    // ---- full run
    const logFull = fake.api.log.length;
    const full = await runJigsaw(['audit-sharing', '--json', join(work, 'full.json')], env);
    if (full.code !== 0) throw new Error(`full audit failed:\n${full.output}`);
    const fullReport = JSON.parse(readFileSync(join(work, 'full.json'), 'utf8')) as SharingAuditReport;
    const delta = deltaCost(fake, logFull);
    const minimum = delta.ru + 5 * rootsWithLinks;
    const idealPages = t.drives.reduce((sum, d) => sum + Math.max(1, Math.ceil(t.liveItems(d).length / 1000)), 0);
    const idealMinimum = idealPages + t.drives.length + 5 * rootsWithLinks;
    const auditTotals = fake.meter.totals.get(DEFAULT_APP.clientId)!;
    const fullRu = fullReport.stats.resourceUnits;
    say('Full audit (jigsaw audit-sharing: the compiled CLI, node dist/cli.js, in a child process)');
    say(`  items ${n(fullReport.stats.items)}  sharing roots with links ${n(fullReport.stats.sharingRoots)}  findings ${n(fullReport.findings.length)}`);
    say(`  RU used ${n(fullRu)} by the run (+ ${n(auditTotals.ru - fullRu)} for the verified domains and the roster); Graph requests ${n(fullReport.stats.graphRequests)}`);
    say(`  theoretical minimum ${n(minimum)} RU = delta pages served ${n(delta.pages)} (${n(delta.ru)} RU: each drive's first page at its real cost, 2 RU; the others 1 RU) + 5 × ${n(rootsWithLinks)} sharing roots`);
    say(`    (with every page full, $top=1000: ${n(idealPages)} pages, ${n(idealMinimum)} RU; the fake shortens 20 % of pages as Graph may)`);
    const kinds = ruByKind(fake, logFull);
    say(`  RU by kind: delta ${n(kinds.delta)}, permissions ${n(kinds.permissions)}, content (first 64 KB of exposed CSV/XLSX/TXT: evidence) ${n(kinds.content)}, discovery (users, drives, sites, domains, roster) ${n(kinds.discovery)}`);
    say(`  ratio ${(fullRu / minimum).toFixed(3)} × the minimum (target ≤ 1.1); including setup reads ${(auditTotals.ru / minimum).toFixed(3)} ×; enumeration + permissions only (the minimum's own terms) ${((kinds.delta + kinds.permissions) / minimum).toFixed(3)} ×`);
    say(`  429s received ${n(fullReport.stats.throttled)} (fake's count: ${n(auditTotals.throttled)}) at the configured budget of ${n(ruPerMinute)} RU/min`);
    say(`  wall time ${(full.wallMs / 1000).toFixed(1)} s (audit ${(fullReport.stats.durationMs / 1000).toFixed(1)} s; paced by the RU budget: ${n(auditTotals.ru)} RU at 80 % of ${n(ruPerMinute)} RU/min ≈ ${((auditTotals.ru / (ruPerMinute * 0.8)) * 60).toFixed(0)} s, less the initial 10 % burst)`);
    say(`  peak RSS of the audit process ${n(full.maxRssMb)} MB`);
    say(`  ${loopDelayLine(full)}`);
    say();

    // ---- naive sample
    const naive = await naiveSampleRun(fake);
    const naivePerItem = naive.ru / naive.items;
    const naiveFullRu = naivePerItem * items;
    const naiveMinutes = naiveFullRu / (ruPerMinute * 0.8);
    say(`Naive audit (children walk + permissions for every item, batched by 20) — SAMPLED: ${n(naive.items)} of ${n(items)} items, then extrapolated`);
    say(`  sample: ${n(naive.ru)} RU (${naivePerItem.toFixed(2)} RU per item), ${n(naive.throttled)} 429s, ${(naive.wallMs / 1000).toFixed(1)} s`);
    say(`  extrapolated to all ${n(items)} items: ≈ ${n(naiveFullRu)} RU, ≈ ${naiveMinutes.toFixed(0)} min at the same budget (${(naiveMinutes / 60).toFixed(1)} h)`);
    say(`  RU ratio naive / Jigsaw: ≈ ${(naiveFullRu / fullRu).toFixed(0)} × (target ≥ 50 ×)`);
    say();

    // ---- incremental after 1 % of items change
    const mix = changeOnePercent(fake, Number(args.seed) + 1);
    const before = fake.meter.totals.get(DEFAULT_APP.clientId)!.ru;
    const incr = await runJigsaw(['audit-sharing', '--incremental', '--json', join(work, 'incremental.json')], env);
    if (incr.code !== 0) throw new Error(`incremental audit failed:\n${incr.output}`);
    const incrReport = JSON.parse(readFileSync(join(work, 'incremental.json'), 'utf8')) as SharingAuditReport;
    const incrTotal = fake.meter.totals.get(DEFAULT_APP.clientId)!.ru - before;
    say(`Incremental audit after 1 % of items changed (${Object.entries(mix).map(([k, v]) => `${k} ${n(v)}`).join(', ')})`);
    say(`  RU used ${n(incrReport.stats.resourceUnits)} = ${((incrReport.stats.resourceUnits / fullRu) * 100).toFixed(1)} % of the full run (target ≤ 5 %); with setup reads ${n(incrTotal)} RU`);
    say(`  429s ${n(incrReport.stats.throttled)}, wall time ${(incr.wallMs / 1000).toFixed(1)} s, peak RSS ${n(incr.maxRssMb)} MB, findings ${n(incrReport.findings.length)}`);
    say(`  ${loopDelayLine(incr)}`);
    say();
    const totalThrottled = fake.meter.totals.get(DEFAULT_APP.clientId)!.throttled;
    say(`Throttled responses to the audit app over both runs: ${n(totalThrottled)}. Bench wall time ${((Date.now() - started) / 1000).toFixed(0)} s; bench process RSS now ${mb()} MB (fake tenant + naive client).`);
  } finally {
    await fake.close();
    await store.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
