// The sharing audit in Teams, over HTTP through the real app and the Teams connector fake, with
// Graph served by the fake tenant: the admins' summary card after a run (via the outbox),
// "Notify owners" → each owner's digest, owners' answers (keep with a reason; remove the link),
// and who may do what (admins remediate; an owner answers only for their own files).
import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { loadOwnerDigestView } from '../../src/jobs/sharing-audit/notice-views';
import { queueAuditSummaryToAdmins, SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import { buildAuditNoticeCard, buildAuditSummaryCard, buildOwnerDigestCard, SHARING_AUDIT_VERBS } from '../../src/cards/sharing-audit-cards';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listOwnerNotifications, listRemediations } from '../../src/store/sharing-remediations.repo';
import { listOutbox } from '../../src/store/outbox.repo';
import { adaptiveCardProblems, cardText, findActions } from '../support/card-validation';
import { eventually, PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import type { TestUser } from '../support/activities';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { auditAsTheCliDoes, linkInPlace, openRootFindings, withOneExposingLink } from '../support/audit-scene';
import { fakeGraphEnv } from '../support/graph-env';

const REMEDIATOR = { clientId: 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e', secrets: ['rw'], roles: ['Files.ReadWrite.All'] };

describe('sharing audit cards in Teams', () => {
  let graph: FakeGraphTenant;
  let h: Harness;
  let env: Record<string, string>;
  let runId: string;
  let idp: TestIdentityProvider;
  const owners: TestUser[] = [];

  beforeAll(async () => {
    graph = await startFakeGraphTenant({
      tenant: { seed: 33, tenantId: SCHOOL.tenantId, items: 700, staff: 3, pupils: 6, sites: 0, sharingRootShare: 0.08 },
      ru: { limit: 100_000 },
      apps: [DEFAULT_APP, REMEDIATOR],
    });
    for (const u of graph.tenant.users.filter((x) => x.userType === 'Member')) owners.push({ aadObjectId: u.id, name: u.displayName, teamsId: `29:${u.id}` });
    env = {
      ...fakeGraphEnv(graph),
      REMEDIATION_ENABLED: 'true',
      GRAPH_REMEDIATION_CLIENT_ID: REMEDIATOR.clientId,
      GRAPH_REMEDIATION_CLIENT_SECRET: 'rw',
    };
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({
      env: { ...env, ...idp.env },
      connector: {
        users: [...Object.values(PEOPLE), ...owners].map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })),
      },
    });
    // An audit as the CLI runs it, on the app's store.
    const result = await auditAsTheCliDoes(h.db, env);
    runId = result.run.runId;
    expect(result.findings.some((f) => f.severity === 'critical')).toBe(true);
    expect(await queueAuditSummaryToAdmins(h.db, SCHOOL.tenantId, runId, { remediationEnabled: true })).toBe(1);
    h.app.worker.poke();
  });
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
    await idp?.stop();
  });

  const adminChat = () => h.personalConversationId(PEOPLE.admin);

  it('sends the admins a valid summary card: counts by severity, critical file names, Remove link and Notify owners', async () => {
    const summary = await eventually(() => h.fake.lastCardIn(adminChat()), 10_000, 'summary card');
    expect(adaptiveCardProblems(summary)).toEqual([]);
    const words = cardText(summary);
    expect(words).toMatch(/Sharing audit: \d+ exposed items/);
    expect(words).toMatch(/Critical/);
    const verbs = findActions(summary).map((a) => a.verb);
    expect(verbs).toContain(SHARING_AUDIT_VERBS.removeLink);
    expect(verbs).toContain(SHARING_AUDIT_VERBS.notifyOwners);
    // The outbox holds ids only: no file names.
    const row = (await listOutbox(h.db, SCHOOL.tenantId)).find((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.summary)!;
    expect(Object.keys(row.payload).sort()).toEqual(['aadObjectId', 'remediationEnabled', 'runId']);
  });

  it('refuses Remove link and Notify owners to someone who is not an admin', async () => {
    const finding = (await h.db.query<{ finding_id: string }>(`SELECT finding_id FROM findings WHERE tenant_id = $1 AND severity = 'critical' LIMIT 1`, [SCHOOL.tenantId]))[0]!;
    for (const [verb, data] of [
      [SHARING_AUDIT_VERBS.removeLink, { runId, findingId: finding.finding_id }],
      [SHARING_AUDIT_VERBS.notifyOwners, { runId }],
    ] as const) {
      const res = await h.invoke(PEOPLE.teacher, verb, data);
      expect(res.status).toBe(200);
      expect(cardText(res.body.value)).toMatch(/Only Jigsaw admins/);
    }
    expect(await listRemediations(h.db, SCHOOL.tenantId, finding.finding_id)).toEqual([]);
  });

  it('lets an admin remove a critical link from the card: removed on the sharing root, recorded with the admin, card re-rendered', async () => {
    const [row] = await h.db.query<{ finding_id: string; item_id: string; via_item_id: string; permission_id: string }>(
      `SELECT finding_id, item_id, via_item_id, permission_id FROM findings WHERE tenant_id = $1 AND severity = 'critical' AND status = 'open' AND item_id = via_item_id LIMIT 1`,
      [SCHOOL.tenantId],
    );
    const root = graph.tenant.itemIndex(row!.item_id);
    expect(graph.tenant.ownPermissions(root).some((p) => p.id === row!.permission_id)).toBe(true);
    const res = await h.invoke(PEOPLE.admin, SHARING_AUDIT_VERBS.removeLink, { runId, findingId: row!.finding_id });
    expect(res.status).toBe(200);
    expect(adaptiveCardProblems(res.body.value)).toEqual([]);
    expect(cardText(res.body.value)).toMatch(/Link removed/);
    expect(graph.tenant.ownPermissions(root).some((p) => p.id === row!.permission_id)).toBe(false);
    const trail = await listRemediations(h.db, SCHOOL.tenantId, row!.finding_id);
    expect(trail.at(-1)).toMatchObject({ outcome: 'removed', dryRun: false, actor: { id: PEOPLE.admin.aadObjectId, name: PEOPLE.admin.name }, stillExposed: false });
    expect((await getFinding(h.db, SCHOOL.tenantId, row!.finding_id))!.status).toBe('remediated');
  });

  it('lets an admin remove a link from the tab through the same remediation; others get 403', async () => {
    const tab = async (who: TestUser, path: string, method = 'GET') => {
      const res = await fetch(`${h.url}/api/tab/${path}`, { method, headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, body: method === 'POST' ? '{}' : undefined });
      return { status: res.status, body: await res.json() };
    };
    // A sharing root with one link of its own and no exposed folder above it, so that removing
    // the link ends the exposure (which root that is depends on the generated tenant).
    const row = withOneExposingLink(graph, await openRootFindings(h.db))[0];
    expect(row).toBeDefined();
    const listed = await tab(PEOPLE.admin, 'admin/sharing?status=open');
    expect(listed.body.remediationEnabled).toBe(true);
    expect(listed.body.findings.map((f: { findingId: string }) => f.findingId)).toContain(row!.finding_id);

    const refused = await tab(PEOPLE.teacher, `admin/sharing/findings/${row!.finding_id}/remove-link`, 'POST');
    expect(refused.status).toBe(403);
    expect(linkInPlace(graph, row!)).toBe(true);

    const removed = await tab(PEOPLE.admin, `admin/sharing/findings/${row!.finding_id}/remove-link`, 'POST');
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ title: 'Link removed', style: 'good', status: 'remediated' });
    expect(linkInPlace(graph, row!)).toBe(false);
    expect((await listRemediations(h.db, SCHOOL.tenantId, row!.finding_id)).at(-1)).toMatchObject({ outcome: 'removed', actor: { id: PEOPLE.admin.aadObjectId, name: PEOPLE.admin.name } });
    const again = await tab(PEOPLE.admin, `admin/sharing/findings/${row!.finding_id}/remove-link`, 'POST');
    expect(again.body).toMatchObject({ title: 'Nothing to do', status: 'remediated' });
    expect((await tab(PEOPLE.admin, 'admin/sharing/findings/no-such-finding/remove-link', 'POST')).status).toBe(404);
  });

  it('"Notify owners" sends each owner one digest with Remove link and Keep (reason); a second press sends nothing twice', async () => {
    const res = await h.invoke(PEOPLE.admin, SHARING_AUDIT_VERBS.notifyOwners, { runId });
    expect(adaptiveCardProblems(res.body.value)).toEqual([]);
    expect(cardText(res.body.value)).toMatch(/Owners notified: \d+/);
    const digests = () => listOutbox(h.db, SCHOOL.tenantId).then((rows) => rows.filter((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.ownerDigest));
    const first = await digests();
    expect(first.length).toBeGreaterThan(0);
    await h.invoke(PEOPLE.admin, SHARING_AUDIT_VERBS.notifyOwners, { runId });
    expect((await digests()).length).toBe(first.length);
    const owner = owners.find((o) => o.aadObjectId === first[0]!.payload.aadObjectId)!;
    const card = await eventually(() => h.fake.lastCardIn(h.personalConversationId(owner)), 10_000, 'owner digest');
    expect(adaptiveCardProblems(card)).toEqual([]);
    const verbs = findActions(card).map((a) => a.verb ?? a.title);
    expect(verbs).toContain(SHARING_AUDIT_VERBS.ownerRemove);
    expect(verbs).toContain('Keep (reason)');
    expect(verbs).toContain(SHARING_AUDIT_VERBS.ownerKeep);
  });

  it('records an owner\'s "Keep" with the reason, refuses it without one, and refuses anyone else answering for those files', async () => {
    const [digest] = (await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.ownerDigest);
    const notificationId = String(digest!.payload.notificationId);
    const owner = owners.find((o) => o.aadObjectId === digest!.payload.aadObjectId)!;
    const stranger = owners.find((o) => o.aadObjectId !== owner.aadObjectId)!;
    // The first open file the owner's card shows.
    const view = await loadOwnerDigestView(h.db, SCHOOL.tenantId, notificationId, { remediationEnabled: true, ownerId: owner.aadObjectId });
    const findingId = view!.files.find((f) => f.status === 'open')!.findingId;

    const byStranger = await h.invoke(stranger, SHARING_AUDIT_VERBS.ownerKeep, { notificationId, findingId, reasonInput: 'reason_0', reason_0: 'not mine' });
    expect(cardText(byStranger.body.value)).toMatch(/not yours to answer for/);
    const noReason = await h.invoke(owner, SHARING_AUDIT_VERBS.ownerKeep, { notificationId, findingId, reasonInput: 'reason_0', reason_0: '  ' });
    expect(cardText(noReason.body.value)).toMatch(/A reason is needed/);
    expect((await getFinding(h.db, SCHOOL.tenantId, findingId))!.status).toBe('open');

    const kept = await h.invoke(owner, SHARING_AUDIT_VERBS.ownerKeep, { notificationId, findingId, reasonInput: 'reason_0', reason_0: 'Shared with the *trip* provider <at>x</at>' });
    expect(adaptiveCardProblems(kept.body.value)).toEqual([]);
    expect(cardText(kept.body.value)).toMatch(/Your reason is recorded/);
    // The owner's words come back only as a literal TextRun, never as markdown.
    expect(JSON.stringify(kept.body.value)).toContain('{"type":"TextRun","text":"Shared with the *trip* provider <at>x</at>"}');
    const f = (await getFinding(h.db, SCHOOL.tenantId, findingId))!;
    expect(f).toMatchObject({ status: 'accepted', statusReason: 'Shared with the *trip* provider <at>x</at>', statusBy: { id: owner.aadObjectId, name: owner.name } });
    expect((await listOwnerNotifications(h.db, SCHOOL.tenantId, findingId)).find((r) => r.notificationId === notificationId)).toMatchObject({ response: 'keep' });
  });

  it('lets an owner remove a link on their own file through the remediation app', async () => {
    const rows = await h.db.query<{ notification_id: string; finding_id: string; owner_id: string; item_id: string; permission_id: string }>(
      `SELECT n.notification_id, n.finding_id, n.owner_id, f.item_id, f.permission_id FROM owner_notifications n JOIN findings f USING (tenant_id, finding_id)
       WHERE n.tenant_id = $1 AND f.status = 'open' AND f.item_id = f.via_item_id AND n.response IS NULL LIMIT 1`,
      [SCHOOL.tenantId],
    );
    const row = rows[0]!;
    const owner = owners.find((o) => o.aadObjectId === row.owner_id)!;
    const res = await h.invoke(owner, SHARING_AUDIT_VERBS.ownerRemove, { notificationId: row.notification_id, findingId: row.finding_id });
    expect(adaptiveCardProblems(res.body.value)).toEqual([]);
    expect(cardText(res.body.value)).toMatch(/Link removed/);
    expect(linkInPlace(graph, row)).toBe(false);
    expect((await listRemediations(h.db, SCHOOL.tenantId, row.finding_id)).at(-1)).toMatchObject({ outcome: 'removed', actor: { id: owner.aadObjectId } });
  });

  it('rejects malformed card data without changing anything', async () => {
    const res = await h.invoke(PEOPLE.admin, SHARING_AUDIT_VERBS.removeLink, { runId: 'x; DROP TABLE findings', findingId: 42 });
    expect(cardText(res.body.value)).toMatch(/could not be read/);
  });
});

describe('sharing audit card builders', () => {
  const base = {
    runId: 'run-1',
    mode: 'full' as const,
    finishedAt: '22 Nov 2026, 06:04',
    stats: { drives: 12, items: 3400, sharingRoots: 40, resourceUnits: 380, throttled: 0 },
    bySeverity: { critical: 1, high: 2, medium: 3, low: 0 },
    pupilDataLikely: 2,
    critical: [{ findingId: 'f-1', name: '**OKONKWO Amelia** [click](https://evil.example) <at>all</at>.xlsx', scope: 'anonymous' as const, status: 'open' as const }],
    moreCritical: 0,
    remediationEnabled: false,
  };

  it.each([
    ['remediation off', base],
    ['remediation on, owners notified, a message', { ...base, remediationEnabled: true, ownersNotified: { owners: 3, findings: 6, withoutOwner: 1 }, message: { title: 'Link removed', body: 'ok', style: 'good' as const } }],
    ['nothing found', { ...base, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, critical: [], pupilDataLikely: 0 }],
  ])('summary card is valid (%s) and shows file names only literally', (_name, view) => {
    const c = buildAuditSummaryCard(view);
    expect(adaptiveCardProblems(c)).toEqual([]);
    const json = JSON.stringify(c);
    if (view.critical.length) {
      expect(json).toContain(`{"type":"TextRun","text":${JSON.stringify(view.critical[0]!.name)}}`);
      expect(json.split(view.critical[0]!.name).length).toBe(2);
    }
  });

  it.each([
    ['open files, remediation on', true, [null, null]],
    ['answered files, remediation off', false, [{ response: 'keep' as const, reason: 'trip provider' }, null]],
  ])('owner digest is valid (%s)', (_name, remediationEnabled, answers) => {
    const c = buildOwnerDigestCard({
      notificationId: 'n-1',
      remediationEnabled,
      more: 2,
      files: answers.map((answer, i) => ({ findingId: `f-${i}`, name: `Class list ${i}.csv`, scope: 'organization' as const, severity: 'high' as const, pupilDataLikely: true, status: answer ? ('accepted' as const) : ('open' as const), answer })),
    });
    expect(adaptiveCardProblems(c)).toEqual([]);
    const verbs = findActions(c).map((a) => a.verb);
    expect(verbs.includes(SHARING_AUDIT_VERBS.ownerRemove)).toBe(remediationEnabled);
  });

  it('notice card is valid', () => {
    expect(adaptiveCardProblems(buildAuditNoticeCard('Only Jigsaw admins can do this', 'Nothing was changed.'))).toEqual([]);
  });
});
