import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { replaceDslMembers } from '../../src/store/conversation.repo';

// A DSL who leaves the DSL channel loses access at once, but the open concerns they owned stay
// owned by them: the queue must say that nobody in the team is working on them, and let the
// team find them, or they look handled when nobody is handling them.
let h: Harness;
let idp: TestIdentityProvider;

async function call(who: { aadObjectId: string; name: string }, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

describe('the queue when a concern’s owner has left the DSL team', () => {
  it('marks their open concerns and lists them under owner=left', async () => {
    const owned = await reportAndAwaitCard(h, PEOPLE.teacher);
    const other = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Jordan Blake' });
    expect((await call(PEOPLE.dsl2, `concerns/${owned.concernId}/actions`, { method: 'POST', body: { kind: 'take-ownership' } })).status).toBe(200);
    expect((await call(PEOPLE.dsl1, `concerns/${other.concernId}/actions`, { method: 'POST', body: { kind: 'take-ownership' } })).status).toBe(200);

    const before = (await call(PEOPLE.dsl1, 'concerns')).body.concerns as { reference: string; ownerName?: string; ownerLeftDslTeam?: boolean }[];
    expect(before.find((c) => c.reference === owned.reference)).toMatchObject({ ownerName: PEOPLE.dsl2.name });
    expect(before.some((c) => c.ownerLeftDslTeam)).toBe(false);

    // Priya leaves the DSL channel (the roster as Jigsaw re-reads it from Teams).
    await replaceDslMembers(h.db, SCHOOL.tenantId, [PEOPLE.dsl1, PEOPLE.admin].map((p) => ({ aadObjectId: p.aadObjectId, teamsUserId: p.teamsId, displayName: p.name })));
    expect((await call(PEOPLE.dsl2, 'concerns')).status).toBe(403);

    const after = (await call(PEOPLE.dsl1, 'concerns')).body.concerns as { reference: string; ownerLeftDslTeam?: boolean }[];
    expect(after.find((c) => c.reference === owned.reference)?.ownerLeftDslTeam).toBe(true);
    expect(after.find((c) => c.reference === other.reference)?.ownerLeftDslTeam).toBeUndefined();
    const left = await call(PEOPLE.dsl1, 'concerns?owner=left');
    expect(left.status).toBe(200);
    expect(left.body.concerns.map((c: { reference: string }) => c.reference)).toEqual([owned.reference]);
  }, 60_000);
});
