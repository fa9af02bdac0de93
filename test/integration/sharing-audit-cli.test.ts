// `jigsaw audit-sharing` and `jigsaw remediate` as an admin runs them: runCli with an
// environment naming the fake tenant (its CA through GRAPH_EXTRA_CA_FILE, since a jest worker
// cannot take NODE_EXTRA_CA_CERTS) and a store of its own (a PGlite folder, or a schema on the
// PostgreSQL server in the postgres project).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli';
import { acquireJobLease, releaseJobLease } from '../../src/store/scheduled-jobs.repo';
import { SHARING_AUDIT_JOB } from '../../src/jobs/sharing-audit/scheduled-audit';
import { CSV_COLUMNS } from '../../src/jobs/sharing-audit/report-csv';
import { SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import { openStore } from '../../src/store/open-store';
import { listOutbox } from '../../src/store/outbox.repo';
import { createAuditRun } from '../../src/store/sharing-runs.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { cliStoreEnv } from '../support/test-db';
import { fakeGraphEnv } from '../support/graph-env';

const REMEDIATOR = { clientId: 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'], roles: ['Files.ReadWrite.All'] };
const ADMIN = 'abababab-0000-4000-8000-0000000000ab';

function capture(isTTY = false) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(stream, { isTTY });
  return { stream: stream as never, text: () => text };
}

describe('jigsaw audit-sharing and remediate (CLI) against the fake tenant', () => {
  let fake: FakeGraphTenant;
  let dir: string;
  let env: Record<string, string>;
  let dropSchema: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { seed: 44, items: 600, staff: 3, pupils: 5, sites: 1, sharingRootShare: 0.08 },
      ru: { limit: 100_000 },
      apps: [DEFAULT_APP, REMEDIATOR],
    });
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-cli-test-'));
    const { env: store, drop } = await cliStoreEnv(dir, 'cli');
    dropSchema = drop;
    env = {
      ...store,
      ...fakeGraphEnv(fake),
      AUDIT_INCLUDE_SITES: 'true',
      LOG_LEVEL: 'silent',
    };
    // The server's bootstrap (config → tenant and admins) has run on this store before.
    const db = await openStore({ databaseUrl: store.DATABASE_URL, dataDir: store.DATA_DIR });
    await upsertTenant(db, { tenantId: fake.tenantId, schoolName: "St Mary's", timeZone: 'Europe/London' });
    await assignRole(db, fake.tenantId, 'admin', ADMIN);
    await db.close();
  });
  afterAll(async () => {
    await fake?.close();
    await dropSchema?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (argv: string[], extra: Record<string, string> = {}, isTTY = false) => {
    const out = capture(isTTY);
    const err = capture();
    const code = await runCli(argv, { ...env, ...extra }, out.stream, err.stream);
    return { code, out: out.text(), err: err.text() };
  };
  const withStore = async <T>(fn: (db: Awaited<ReturnType<typeof openStore>>) => Promise<T>) => {
    const db = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  it('refuses to run without Graph settings or with unknown options', async () => {
    const bare = capture();
    const err = capture();
    expect(await runCli(['audit-sharing'], { DATA_DIR: join(dir, 'unused') }, bare.stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/GRAPH_CLIENT_ID/);
    const bad = await cli(['audit-sharing', '--everything']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Usage: jigsaw audit-sharing/);
    expect((await cli(['remediate', '--finding', 'f-1', '--severity', 'critical'])).code).toBe(2);
  });

  it('runs a full audit: JSON and CSV reports, a one-screen summary, the summary card queued to the admin', async () => {
    const json = join(dir, 'full.json');
    const csv = join(dir, 'full.csv');
    const r = await cli(['audit-sharing', '--json', json, '--csv', csv]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(report)).toEqual(['tenantId', 'mode', 'startedAt', 'finishedAt', 'stats', 'findings']);
    expect(report).toMatchObject({ tenantId: fake.tenantId, mode: 'full' });
    expect(Object.keys(report.stats)).toEqual(['drives', 'items', 'sharingRoots', 'graphRequests', 'resourceUnits', 'throttled', 'durationMs']);
    expect(report.stats.items).toBe(600);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(Object.keys(report.findings[0])).toEqual(['id', 'driveId', 'itemId', 'name', 'path', 'webUrl', 'isFolder', 'exposure', 'exposedDescendants', 'pupilData', 'severity', 'owner']);
    const csvText = readFileSync(csv, 'utf8');
    expect(csvText.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(r.out).toMatch(/Sharing audit \(full\): completed/);
    expect(r.out).toMatch(/Drives \d+ {2}items 600 {2}sharing roots \d+/);
    expect(r.out).toMatch(/Findings \d+: critical \d+, high \d+, medium \d+, low \d+/);
    expect(r.out).toMatch(/Summary card queued to 1 admin\(s\) in Teams/);
    expect(r.out).not.toMatch(/\r/); // no progress bar off a terminal
    const outbox = await withStore((db) => listOutbox(db, fake.tenantId));
    expect(outbox.filter((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.summary).map((m) => m.payload)).toEqual([
      { runId: expect.any(String), aadObjectId: ADMIN, remediationEnabled: false },
    ]);
  });

  it('draws a progress bar on a terminal, and an incremental run reads only changes', async () => {
    const drive = fake.tenant.drives[0]!;
    const file = fake.tenant.liveItems(drive).find((i) => !fake.tenant.isFolder(i) && fake.tenant.ownPermissions(i).length === 0)!;
    fake.tenant.addLink(file, { scope: 'anonymous' });
    const json = join(dir, 'incremental.json');
    const r = await cli(['audit-sharing', '--incremental', '--json', json], {}, true);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[2K\[[#.]{20}\] {2}drives \d+\/\d+ {2}items [\d,]+ {2}roots \d+ {2}RU [\d,]+/);
    expect(r.out).toMatch(/ETA/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.mode).toBe('incremental');
    expect(report.findings.map((f: { itemId: string }) => f.itemId)).toContain(fake.tenant.itemId(file));
    const full = JSON.parse(readFileSync(join(dir, 'full.json'), 'utf8'));
    expect(report.stats.resourceUnits).toBeLessThan(full.stats.resourceUnits / 4);
  });

  it('says when it resumes an interrupted run', async () => {
    await withStore((db) => createAuditRun(db, fake.tenantId, 'run-interrupted', 'incremental', new Date()));
    const r = await cli(['audit-sharing', '--incremental']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Resuming the interrupted incremental audit started .* \(run run-interrupted\)/);
    expect(r.out).toMatch(/Sharing audit \(incremental\), resumed after an interruption: completed/);
  });

  it('refuses to start while another audit holds the lease (the app\'s scheduled run), and frees its own', async () => {
    await withStore((db) => acquireJobLease(db, fake.tenantId, SHARING_AUDIT_JOB, 'app:other-instance:42', new Date(), 3600_000));
    const busy = await cli(['audit-sharing', '--incremental']);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/an audit is already running \(app:other-instance:42, lease until /);
    await withStore((db) => releaseJobLease(db, fake.tenantId, SHARING_AUDIT_JOB, 'app:other-instance:42', {}));
    expect((await cli(['audit-sharing', '--incremental'])).code).toBe(0);
    // Its own lease is given back at the end: the next run (CLI or scheduled) can start.
    expect((await withStore((db) => acquireJobLease(db, fake.tenantId, SHARING_AUDIT_JOB, 'probe', new Date(), 1000))).acquired).toBe(true);
    await withStore((db) => releaseJobLease(db, fake.tenantId, SHARING_AUDIT_JOB, 'probe', {}));
  });

  it('remediates: dry run changes nothing; a real run needs REMEDIATION_ENABLED and then removes the critical links', async () => {
    const dry = await cli(['remediate', '--severity', 'critical', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^Dry run: nothing was changed\./);
    expect(dry.out).toMatch(/would remove: permission/);
    expect(fake.api.log.filter((l) => l.method === 'DELETE')).toEqual([]);

    const refused = await cli(['remediate', '--severity', 'critical']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/REMEDIATION_ENABLED/);

    const real = await cli(['remediate', '--severity', 'critical'], { REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: REMEDIATOR.clientId, GRAPH_REMEDIATION_CLIENT_SECRET: 'rw' });
    expect(real.err).toBe('');
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/removed: permission \S+ on item \S+/);
    const deletes = fake.api.log.filter((l) => l.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((l) => l.app === REMEDIATOR.clientId && l.status === 204)).toBe(true);
    // A critical root is remediated unless a link on a folder above still exposes it (its own was removed).
    const open = await withStore((db) =>
      db.query<{ finding_id: string; item_id: string }>(`SELECT finding_id, item_id FROM findings WHERE tenant_id = $1 AND severity = 'critical' AND status = 'open' AND item_id = via_item_id`, [fake.tenantId]),
    );
    for (const row of open) {
      const trail = await withStore((db) => listRemediations(db, fake.tenantId, row.finding_id));
      expect(trail.filter((t) => !t.dryRun).map((t) => t.stillExposed)).toContain(true);
      expect(fake.tenant.ownPermissions(fake.tenant.itemIndex(row.item_id)).some((p) => p.link?.scope === 'anonymous')).toBe(false);
    }
    const remediated = await withStore((db) => db.query(`SELECT 1 FROM findings WHERE tenant_id = $1 AND status = 'remediated'`, [fake.tenantId]));
    expect(remediated.length).toBeGreaterThan(0);
  });
});
