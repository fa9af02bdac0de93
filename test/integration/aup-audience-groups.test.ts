// AUP audiences from Entra groups (AUP_AUDIENCE_GROUPS) in the running server, against the fake
// Entra + Graph tenant: publishing from the tab reads the groups first and publishes to who is in
// them now; when they cannot be read, nothing is published and the admin is told why and what to do.
import type { FakeGraphTenant, FakeUser } from '../fakes/graph-tenant';
import { startFakeGraphTenant } from '../fakes/graph-tenant';
import { fakeGraphEnv } from '../support/graph-env';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { listAudienceMembers } from '../../src/store/aup.repo';

const AUP_APP = { clientId: '7a2d4b63-9e1f-4c8b-8d66-1b2c3d4e5f62', displayName: 'Jigsaw', secrets: ['aup-s3cret'], roles: ['GroupMember.Read.All'] };
const STAFF_GROUP = '33333333-0000-4000-8000-000000000001';
const GOVERNORS_GROUP = '33333333-0000-4000-8000-000000000002';
const DRAFT = { audience: 'staff', title: 'Staff Acceptable Use Policy 2026', effectiveOn: '2026-12-01', body: 'I will only use school systems for professional purposes.' };

describe('AUP audiences from Entra groups in the server', () => {
  let graph: FakeGraphTenant;
  let idp: TestIdentityProvider;
  let h: Harness;
  let teachers: FakeUser[];
  const clock = new Date('2026-12-01T08:00:00Z');
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
      env: {
        ...idp.env,
        ...fakeGraphEnv(graph, { clientId: AUP_APP.clientId, secret: 'aup-s3cret' }),
        // The governors' group does not exist in the tenant (yet).
        AUP_AUDIENCE_GROUPS: `staff:${STAFF_GROUP},governors:${GOVERNORS_GROUP}`,
      },
    });
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
});
