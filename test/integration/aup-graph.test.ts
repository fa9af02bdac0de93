// The AUP capability's Graph side against the fake Entra + Graph tenant: audiences from Entra
// groups (transitive, paged, users only, de-duplicated) and proactive installation of the app.
import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake, type Connection } from '../fakes/graph-tenant/connect';
import { createGraphAppInstaller, createGraphAudienceDirectory } from '../../src/graph/aup-directory';
import { syncAudienceFromGroups } from '../../src/services/aup-audience';
import { listAudienceMembers } from '../../src/store/aup.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { GraphRequestError } from '../../src/graph/graph-errors';
import { createTestDb, storeKind } from '../support/test-db';

const AUP_APP = { clientId: '7a2d4b63-9e1f-4c8b-8d66-1b2c3d4e5f60', displayName: 'Jigsaw AUP', secrets: ['aup-s3cret'], roles: ['GroupMember.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'] };
const TEAMS_APP_ID = 'a1b2c3d4-0000-4000-8000-00000000a0b5';
const STAFF_GROUP = '11111111-0000-4000-8000-000000000001';
const GOVERNORS = '11111111-0000-4000-8000-000000000002';
const SLT = '11111111-0000-4000-8000-000000000003';

describe(`AUP audiences and app installation through Graph (${storeKind()})`, () => {
  let fake: FakeGraphTenant;
  let graph: Connection;
  beforeAll(async () => {
    fake = await startFakeGraphTenant({ tenant: { seed: 11, items: 50, staff: 30, pupils: 10 } });
    fake.registerApp(AUP_APP);
    graph = connectToFake(fake, { clientId: AUP_APP.clientId, clientSecret: 'aup-s3cret' });
  });
  afterAll(async () => {
    graph.close();
    await fake.close();
  });

  it('resolves transitive members of groups, users only, across pages, without duplicates', async () => {
    const staff = fake.tenant.users.filter((u) => u.role === 'teacher').map((u) => u.id);
    // SLT is nested inside Staff and shares two people with it; Governors has one overlap with Staff.
    fake.api.addGroup({ id: SLT, displayName: 'SLT', memberUserIds: staff.slice(0, 3) });
    fake.api.addGroup({ id: STAFF_GROUP, displayName: 'All staff', memberUserIds: staff.slice(1, 30), memberGroupIds: [SLT] });
    fake.api.addGroup({ id: GOVERNORS, displayName: 'Governors', memberUserIds: [staff[29]!, fake.tenant.users.find((u) => u.role === 'guest')!.id] });
    fake.api.log.length = 0;
    const directory = createGraphAudienceDirectory(graph.edge);
    const members = await directory.membersOfGroups([STAFF_GROUP, GOVERNORS]);
    expect(members.map((m) => m.personId).sort()).toEqual([...new Set([...staff, fake.tenant.users.find((u) => u.role === 'guest')!.id])].map((id) => id.toLowerCase()).sort());
    expect(members.every((m) => m.aadObjectId === m.personId && m.displayName.length > 0)).toBe(true);
    expect(fake.api.log.every((l) => l.path.includes('/transitiveMembers/microsoft.graph.user'))).toBe(true);

    // Paged: the directory follows @odata.nextLink (forced small pages through $top on the fake).
    fake.api.setShortPageRate(0);
    const page = await graph.edge.getJson<{ value: unknown[]; '@odata.nextLink'?: string }>(`/groups/${STAFF_GROUP}/transitiveMembers?$top=10`);
    expect(page.value).toHaveLength(10);
    expect(page['@odata.nextLink']).toBeDefined();
    const all: { '@odata.type': string }[] = [...(page.value as { '@odata.type': string }[])];
    for (let next = page['@odata.nextLink']; next; ) {
      const p: { value: { '@odata.type': string }[]; '@odata.nextLink'?: string } = await graph.edge.getJson(next);
      all.push(...p.value);
      next = p['@odata.nextLink'];
    }
    // Without the cast the nested group itself is listed too (the directory asks for users only).
    expect(all.filter((o) => o['@odata.type'] === '#microsoft.graph.group')).toHaveLength(1);
    expect(all.filter((o) => o['@odata.type'] === '#microsoft.graph.user')).toHaveLength(30);
  });

  it('syncs an audience into the store, replacing the previous group members', async () => {
    const db = await createTestDb();
    try {
      await upsertTenant(db, { tenantId: 't-graph', schoolName: 'S', timeZone: 'Europe/London' });
      const directory = createGraphAudienceDirectory(graph.edge);
      expect(await syncAudienceFromGroups({ db, now: () => new Date(), directory }, { tenantId: 't-graph', audience: 'governors', groupIds: [GOVERNORS] })).toBe(2);
      fake.api.addGroup({ id: GOVERNORS, displayName: 'Governors', memberUserIds: [fake.tenant.users[0]!.id] });
      expect(await syncAudienceFromGroups({ db, now: () => new Date(), directory }, { tenantId: 't-graph', audience: 'governors', groupIds: [GOVERNORS] })).toBe(1);
      expect((await listAudienceMembers(db, 't-graph', 'governors')).map((m) => m.personId)).toEqual([fake.tenant.users[0]!.id.toLowerCase()]);
    } finally {
      await db.close();
    }
  });

  it('installs the Teams app for a user (201, then 409) and finds the bot chat', async () => {
    const installer = createGraphAppInstaller(graph.edge, TEAMS_APP_ID);
    const user = fake.tenant.users[4]!.id;
    expect(await installer.installForUser(user)).toBe('installed');
    expect(await installer.installForUser(user)).toBe('already-installed');
    expect(fake.api.isAppInstalled(user, TEAMS_APP_ID)).toBe(true);
    expect(await installer.chatIdForUser(user)).toMatch(/^19:.+@unq\.gbl\.spaces$/);
    await expect(installer.installForUser('00000000-0000-4000-8000-00000000dead')).rejects.toBeInstanceOf(GraphRequestError);
  });

  it('installs the app once when Graph applied the install but its answer was lost: the retry meets 409, taken as installed', async () => {
    const installer = createGraphAppInstaller(graph.edge, TEAMS_APP_ID);
    const user = fake.tenant.users[6]!.id;
    fake.injectFailures({ count: 1, status: 503, retryAfterSeconds: 0, pathIncludes: `/users/${user}/teamwork/installedApps`, afterApply: true });
    expect(await installer.installForUser(user)).toBe('already-installed');
    expect(fake.api.isAppInstalled(user, TEAMS_APP_ID)).toBe(true);
    const posts = fake.api.log.filter((r) => r.method === 'POST' && r.path.includes(`/users/${user}/teamwork/installedApps`)).map((r) => r.status);
    expect(posts).toEqual([503, 409]);
  });

  it('is refused without the permissions (the audit app has neither)', async () => {
    const audit = connectToFake(fake);
    try {
      await expect(createGraphAudienceDirectory(audit.edge).membersOfGroups([STAFF_GROUP])).rejects.toMatchObject({ status: 403 });
      await expect(createGraphAppInstaller(audit.edge, TEAMS_APP_ID).installForUser(fake.tenant.users[5]!.id)).rejects.toMatchObject({ status: 403 });
    } finally {
      audit.close();
    }
  });
});
