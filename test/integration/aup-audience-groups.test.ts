// AUP audiences from Entra groups (AUP_AUDIENCE_GROUPS) in the running server, against the fake
// Entra + Graph tenant: publishing from the tab reads the groups first and publishes to who is in
// them now; when they cannot be read, nothing is published and the admin is told why and what to
// do. Then the daily audience sync, driven through the app's scheduler with the app's clock moved
// by the test: joiners are asked once, leavers are not chased, failures are recorded and retried.
import { Writable } from 'node:stream';
import type { FakeGraphTenant, FakeUser } from '../fakes/graph-tenant';
import { startFakeGraphTenant } from '../fakes/graph-tenant';
import { fakeGraphEnv } from '../support/graph-env';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { listAudienceMembers, listAudienceSyncs } from '../../src/store/aup.repo';
import { AUP_AUDIENCE_SYNC_FAILING_ALERT, AUP_AUDIENCE_SYNC_JOB } from '../../src/jobs/aup-audience-sync';
import { createLogger } from '../../src/logging';
import { importAupAcknowledgements } from '../../src/services/aup-import';

const AUP_APP = { clientId: '7a2d4b63-9e1f-4c8b-8d66-1b2c3d4e5f62', displayName: 'Jigsaw', secrets: ['aup-s3cret'], roles: ['GroupMember.Read.All'] };
const STAFF_GROUP = '33333333-0000-4000-8000-000000000001';
const GOVERNORS_GROUP = '33333333-0000-4000-8000-000000000002';
const DRAFT = { audience: 'staff', title: 'Staff Acceptable Use Policy 2026', effectiveOn: '2026-12-01', body: 'I will only use school systems for professional purposes.' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = new Date('2026-12-01T08:00:00Z').getTime();

describe('AUP audiences from Entra groups in the server', () => {
  let graph: FakeGraphTenant;
  let idp: TestIdentityProvider;
  let h: Harness;
  let teachers: FakeUser[];
  let clock = new Date(START);
  const at = (ms: number) => (clock = new Date(START + ms));
  const logLines: string[] = [];
  const cardsTo = (u: FakeUser) => h.fake.activitiesIn(h.fake.personalConversationId(u.id.toLowerCase())).filter((m) => !m.deleted && JSON.stringify(m.body.attachments ?? '').includes(DRAFT.title));
  /** A scheduler pass of our own at the current clock, and whatever sync it (or the app's loop) started. */
  const settle = async () => {
    await h.app.scheduler.tickOnce();
    return h.app.aup.audienceSync!.running;
  };
  const lastRunOn = async () => (await h.db.query<{ d: string | null }>('SELECT last_run_on::text AS d FROM scheduled_jobs WHERE tenant_id = $1 AND job = $2', [SCHOOL.tenantId, AUP_AUDIENCE_SYNC_JOB]))[0]?.d ?? null;
  const delivered = async () => {
    h.app.aup.sender.poke();
    await h.app.aup.sender.idle(20_000);
  };
  const staffGroup = (people: FakeUser[]) => graph.api.addGroup({ id: STAFF_GROUP, displayName: 'All staff', memberUserIds: people.map((u) => u.id) });
  const publish = async (body: Record<string, unknown>) => {
    const res = await fetch(`${h.url}/api/tab/admin/aup/publish`, { method: 'POST', headers: { authorization: `Bearer ${await idp.mint(PEOPLE.admin)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const versions = () => h.db.query<{ audience: string; version_number: number }>('SELECT audience, version_number FROM aup_versions WHERE tenant_id = $1 ORDER BY audience, version_number', [SCHOOL.tenantId]);
  const asked = async (audience = 'staff') =>
    (
      await h.db.query<{ person_id: string }>(
        `SELECT s.person_id FROM aup_sends s JOIN aup_versions v ON v.tenant_id = s.tenant_id AND v.version_id = s.version_id
         WHERE s.tenant_id = $1 AND v.audience = $2 AND s.purpose = 'ask' ORDER BY s.person_id`,
        [SCHOOL.tenantId, audience],
      )
    ).map((r) => r.person_id);
  const ids = (people: FakeUser[]) => people.map((u) => u.id.toLowerCase()).sort();

  beforeAll(async () => {
    graph = await startFakeGraphTenant({ tenant: { seed: 21, tenantId: SCHOOL.tenantId, items: 20, staff: 10, pupils: 2, sites: 0 }, apps: [AUP_APP] });
    teachers = graph.tenant.users.filter((u) => u.role === 'teacher');
    staffGroup(teachers.slice(0, 5));
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({
      now: () => clock,
      // The group's members can be reached in Teams, so their cards are delivered (and reminded).
      connector: { rateLimits: false, users: [...Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })), ...teachers.map((u) => ({ aadObjectId: u.id.toLowerCase(), name: u.displayName }))] },
      env: {
        ...idp.env,
        ...fakeGraphEnv(graph, { clientId: AUP_APP.clientId, secret: 'aup-s3cret' }),
        // The governors' group does not exist in the tenant (yet).
        AUP_AUDIENCE_GROUPS: `staff:${STAFF_GROUP},governors:${GOVERNORS_GROUP}`,
        // The app's own loop passes once at start; the test drives the rest.
        SCHEDULER_POLL_MS: '600000',
      },
      jigsaw: { logger: createLogger('debug', new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) })) },
    });
    // The sync at start: the staff group is read; the governors' group is not found. (The app's
    // start-up pass may have finished it before the test looks: then its outcome is kept.)
    const first = (await settle()) ?? h.app.aup.audienceSync!.lastFinished;
    expect(first?.audiences).toEqual([
      { audience: 'staff', members: 5, queued: 0, offline: 0 },
      { audience: 'governors', failure: expect.stringContaining('does not know one of the groups (404)') },
    ]);
    expect((await listAudienceMembers(h.db, SCHOOL.tenantId, 'staff')).map((m) => m.personId).sort()).toEqual(ids(teachers.slice(0, 5)));
    expect(await lastRunOn()).toBeNull();
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
    await graph?.close();
  });

  it('publishes nothing while Microsoft 365 cannot be reached, and says so', async () => {
    await graph.setReachable(false);
    try {
      const refused = await publish(DRAFT);
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ error: 'graph_unavailable', message: expect.stringMatching(/could not reach Microsoft 365.*Entra group.*Nothing was published.*try again/s) });
    } finally {
      await graph.setReachable(true);
    }
    expect(await versions()).toEqual([]);
  });

  it('publishes nothing while Microsoft 365 is throttling the app, and says so', async () => {
    graph.injectFailures({ count: Number.POSITIVE_INFINITY, status: 429, retryAfterSeconds: 0, pathIncludes: '/transitiveMembers' });
    try {
      const refused = await publish(DRAFT);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'graph_busy', message: expect.stringMatching(/Nothing was published.*try again in a few minutes/s) });
    } finally {
      graph.api.clearFailures();
    }
    expect(await versions()).toEqual([]);
  });

  it('publishes nothing when a configured group does not exist, and tells the admin to have IT check the setting', async () => {
    const refused = await publish({ ...DRAFT, audience: 'governors', title: 'Governors’ AUP' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'group_not_found', message: expect.stringMatching(/AUP_AUDIENCE_GROUPS.*Nothing was published/s) });
    expect(await versions()).toEqual([]);
  });

  it('reads the groups when publishing and asks who is in them now', async () => {
    // Since the groups were last read: one person left, two joined.
    const now = [...teachers.slice(1, 5), teachers[5]!, teachers[6]!];
    staffGroup(now);
    const published = await publish(DRAFT);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ versionNumber: 1, queued: 6, offline: 0, audience: { members: 6, fromGroups: 6, fromCsv: 0, imported: 0, groups: 1 } });
    expect(published.body.message).toBe('Published version 1 of “Staff Acceptable Use Policy 2026”: 6 cards queued for Teams. The audience had 6 people, all from 1 Entra group (read just now).');
    expect(await asked()).toEqual(ids(now));
    expect((await listAudienceMembers(h.db, SCHOOL.tenantId, 'staff')).map((m) => m.personId).sort()).toEqual(ids(now));
  });

  it('says where the people came from when the audience has no groups', async () => {
    const published = await publish({ ...DRAFT, audience: 'volunteers', title: 'Volunteers’ AUP' });
    expect(published.status).toBe(200);
    expect(published.body.message).toBe('Published version 1 of “Volunteers’ AUP”: 0 cards queued for Teams. The audience had nobody in it, so nobody was asked: give it Entra groups (AUP_AUDIENCE_GROUPS) or a list (“jigsaw aup audience volunteers --csv FILE”), then publish a new version.');
  });

  it('records an audience whose groups cannot be read and tries again later, not at every pass', async () => {
    expect((await listAudienceSyncs(h.db, SCHOOL.tenantId)).find((x) => x.audience === 'governors')).toMatchObject({ failedAttempts: 1, error: expect.stringContaining('AUP_AUDIENCE_GROUPS') });
    // The admins see it on the tab's AUP page, beside when each audience was last read.
    const page = await fetch(`${h.url}/api/tab/admin/aup`, { headers: { authorization: `Bearer ${await idp.mint(PEOPLE.admin)}` } });
    expect(((await page.json()) as { groupAudiences: unknown[] }).groupAudiences).toEqual([
      { audience: 'staff', audienceTitle: 'Staff', groups: 1, syncedAt: clock.toISOString(), members: 6, failedAttempts: 0 },
      { audience: 'governors', audienceTitle: 'Governors', groups: 1, failedAt: clock.toISOString(), error: expect.stringMatching(/does not know one of the groups \(404\)/), failedAttempts: 1 },
    ]);
    graph.api.addGroup({ id: GOVERNORS_GROUP, displayName: 'Governors', memberUserIds: [teachers[8]!.id] });
    at(30 * 60_000);
    expect(await settle()).toBeUndefined(); // the retry is not due yet
    expect(await listAudienceMembers(h.db, SCHOOL.tenantId, 'governors')).toEqual([]);
    at(HOUR + 60_000);
    const retried = await settle();
    expect(retried?.audiences).toEqual([
      { audience: 'staff', members: 6, queued: 0, offline: 0 },
      { audience: 'governors', members: 1, queued: 0, offline: 0 },
    ]);
    expect(await lastRunOn()).toBe('2026-12-01');
    expect((await listAudienceSyncs(h.db, SCHOOL.tenantId)).find((x) => x.audience === 'governors')).toMatchObject({ failedAttempts: 0, members: 1, groups: 1, error: undefined });
    // Once a day: later passes that day do nothing.
    at(10 * HOUR);
    expect(await settle()).toBeUndefined();
  });

  it('asks someone who joined a group since the publish, once, and nobody else', async () => {
    await delivered();
    const published = teachers.slice(1, 7);
    for (const u of published) expect(cardsTo(u)).toHaveLength(1);
    const joiner = teachers[7]!;
    staffGroup([...published, joiner]);
    at(DAY);
    const run = await settle();
    expect(run?.audiences.find((a) => a.audience === 'staff')).toEqual({ audience: 'staff', members: 7, queued: 1, offline: 0 });
    expect(await asked()).toEqual(ids([...published, joiner]));
    await delivered();
    expect(cardsTo(joiner)).toHaveLength(1);
    for (const u of published) expect(cardsTo(u)).toHaveLength(1);
    // The next day's sync (as after a restart, or on another instance) queues nothing new.
    at(2 * DAY);
    expect((await settle())?.audiences.find((a) => a.audience === 'staff')).toEqual({ audience: 'staff', members: 7, queued: 0, offline: 0 });
    await delivered();
    expect(cardsTo(joiner)).toHaveLength(1);
    expect(await asked()).toEqual(ids([...published, joiner]));
  });

  it('does not ask someone who joined but has already agreed on paper', async () => {
    const signedOnPaper = teachers[9]!;
    const imported = await importAupAcknowledgements(
      { db: h.db, now: () => clock, timeZone: 'Europe/London' },
      { tenantId: SCHOOL.tenantId, csv: `person_id,name,audience,version,acknowledged_on,method\n${signedOnPaper.id},Signed On Paper,staff,1,2026-12-03,paper\n`, importedBy: PEOPLE.admin.aadObjectId },
    );
    expect(imported).toMatchObject({ imported: 1, problems: [] });
    staffGroup([...teachers.slice(1, 8), signedOnPaper]);
    at(3 * DAY);
    expect((await settle())?.audiences.find((a) => a.audience === 'staff')).toEqual({ audience: 'staff', members: 8, queued: 0, offline: 0 });
    expect(await asked()).not.toContain(signedOnPaper.id.toLowerCase());
  });

  it('does not chase someone who left the group: no reminder for them, reminders for the others', async () => {
    const leaver = teachers[1]!;
    const stayers = [...teachers.slice(2, 8)];
    staffGroup([...stayers, teachers[9]!]);
    at(4 * DAY);
    expect((await settle())?.audiences.find((a) => a.audience === 'staff')).toMatchObject({ members: 7, queued: 0 });
    at(8 * DAY + HOUR); // 7 days after every card, the joiner's included
    const run = await h.app.aup.scheduler.runOnce();
    expect(run.reminders).toBe(stayers.length);
    await delivered();
    expect(cardsTo(leaver)).toHaveLength(1);
    for (const u of stayers) expect(cardsTo(u)).toHaveLength(2);
  });

  it('alerts the admins once when an audience has failed two runs in a row, and logs no people', async () => {
    graph.api.groups.delete(GOVERNORS_GROUP);
    at(9 * DAY);
    expect((await settle())?.audiences.find((a) => a.audience === 'governors')).toMatchObject({ failure: expect.any(String) });
    at(9 * DAY + HOUR + 60_000);
    expect((await settle())?.audiences.find((a) => a.audience === 'governors')).toMatchObject({ failure: expect.any(String) });
    at(9 * DAY + 2 * HOUR + 2 * 60_000);
    await settle();
    const alerts = await h.db.query<{ message: string }>('SELECT message FROM admin_alerts WHERE tenant_id = $1 AND kind = $2', [SCHOOL.tenantId, AUP_AUDIENCE_SYNC_FAILING_ALERT]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatch(/"governors".*2 times in a row.*AUP_AUDIENCE_GROUPS/);
    expect((await listAudienceSyncs(h.db, SCHOOL.tenantId)).find((x) => x.audience === 'governors')).toMatchObject({ failedAttempts: 3 });
    expect(await lastRunOn()).toBe('2026-12-05'); // the failing days are not recorded as run

    const log = logLines.join('');
    expect(log).toContain('AUP audience sync');
    for (const u of teachers) {
      expect(log).not.toContain(u.displayName);
      expect(log).not.toContain(u.mail);
    }
    for (const line of logLines.filter((l) => l.includes('"component":"aup-audience-sync"'))) {
      for (const u of teachers) expect(line).not.toContain(u.id.toLowerCase());
    }
  });
});

describe('AUP audiences from Entra groups when Graph is not configured', () => {
  let idp: TestIdentityProvider;
  let h: Harness;
  beforeAll(async () => {
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({ env: { ...idp.env, AUP_AUDIENCE_GROUPS: `staff:${STAFF_GROUP}` } });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
  });

  it('publishes nothing to an audience with groups, and says what IT must do', async () => {
    const res = await fetch(`${h.url}/api/tab/admin/aup/publish`, { method: 'POST', headers: { authorization: `Bearer ${await idp.mint(PEOPLE.admin)}`, 'content-type': 'application/json' }, body: JSON.stringify(DRAFT) });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'graph_not_configured', message: expect.stringMatching(/not connected to Microsoft Graph.*Nothing was published.*docs\/permissions\.md/s) });
    expect(await h.db.query('SELECT 1 FROM aup_versions WHERE tenant_id = $1', [SCHOOL.tenantId])).toEqual([]);
  });

  it('records, at the daily sync, that the groups cannot be read without Graph', async () => {
    await h.app.scheduler.tickOnce();
    await h.app.aup.audienceSync!.running;
    expect(await listAudienceSyncs(h.db, SCHOOL.tenantId)).toEqual([expect.objectContaining({ audience: 'staff', failedAttempts: 1, error: expect.stringContaining('Microsoft Graph is not configured') })]);
  });
});
