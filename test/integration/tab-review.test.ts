import { SCHOOL, PEOPLE, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';

// Review of the tab's role boundaries: what each role's API answers must not reveal.
let h: Harness;
let idp: TestIdentityProvider;
let pupilConcern: { reference: string; concernId: string };
let adultConcern: { reference: string; concernId: string };

async function call(token: string | undefined, path: string, init: { method?: string; body?: unknown; rawBody?: string } = {}) {
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body || init.rawBody ? { 'content-type': 'application/json' } : {}) },
    body: init.rawBody ?? (init.body ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
const as = (who: { aadObjectId: string; name: string }) => idp.mint(who);

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
  pupilConcern = await reportAndAwaitCard(h, PEOPLE.teacher);
  adultConcern = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', adultName: 'Mr Example', category: 'concern-about-adult', pupils: '', whatHappened: 'A member of staff messaged a pupil on social media.' });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

describe('the access log', () => {
  it("does not tell the DSL team of a concern about an adult (the headteacher's views of it); the DPO sees every entry", async () => {
    expect((await call(await as(PEOPLE.head), `concerns/${adultConcern.concernId}`)).status).toBe(200);
    expect((await call(await as(PEOPLE.dsl1), `concerns/${adultConcern.concernId}`)).status).toBe(404);
    expect((await call(await as(PEOPLE.dsl1), `concerns/${pupilConcern.concernId}`)).status).toBe(200);

    const dsl = await call(await as(PEOPLE.dsl2), 'access-log');
    expect(dsl.status).toBe(200);
    expect(dsl.body.entries.some((e: { reference?: string }) => e.reference === pupilConcern.reference)).toBe(true);
    expect(dsl.text).not.toContain(adultConcern.reference);
    expect(dsl.body.entries.some((e: { actorName: string; action: string }) => e.actorName === PEOPLE.head.name && e.action === 'concern.view')).toBe(false);

    const dpo = await call(await as(PEOPLE.dpo), 'access-log');
    expect(dpo.status).toBe(200);
    expect(dpo.body.entries.some((e: { reference?: string; actorName: string }) => e.reference === adultConcern.reference && e.actorName === PEOPLE.head.name)).toBe(true);
  });
});

describe('bad input', () => {
  it('an AUP effective on a day that does not exist is a 400 with the problem, not a 500', async () => {
    const res = await call(await as(PEOPLE.admin), 'admin/aup/publish', { method: 'POST', body: { audience: 'staff', title: 'Staff AUP', effectiveOn: '2027-02-29', body: 'I will use school systems responsibly.' } });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(['effective must be a date, YYYY-MM-DD']);
  });
});

describe('refused exports', () => {
  it("an attempt by someone outside the DSL team to export a pupil's file is written to the access log", async () => {
    const res = await call(await as(PEOPLE.teacher), `concerns/${pupilConcern.concernId}/pupils/0/transfers`, { method: 'POST', body: { destinationSchool: 'Avenue House School' } });
    expect(res.status).toBe(403);
    const rows = await h.db.query<Record<string, unknown>>("SELECT * FROM tab_access_log WHERE tenant_id = $1 AND action = 'pupil.file.export' AND actor_aad_id = $2", [SCHOOL.tenantId, PEOPLE.teacher.aadObjectId]);
    expect(rows).toEqual([expect.objectContaining({ outcome: 'refused', concern_id: pupilConcern.concernId, pupil_key: null })]);
  });
});

describe('odd requests get a clear 4xx, never a 500 or a stack', () => {
  it.each([
    ['GET', 'concerns?q=' + 'x'.repeat(300), undefined, undefined],
    ['GET', 'concerns?status=open&status=nonsense', undefined, undefined],
    ['GET', 'concerns/not-a-uuid', undefined, undefined],
    ['GET', 'concerns/{pupil}/pupils/999/chronology', undefined, undefined],
    ['GET', 'concerns/{pupil}/pupils/-1/chronology', undefined, undefined],
    ['POST', 'concerns/{pupil}/actions', undefined, '{"kind":'],
    ['POST', 'concerns/{pupil}/actions', undefined, '[1,2,3]'],
    ['POST', 'concerns/{pupil}/actions', { kind: 'add-note', values: { note: { nested: true } } }, undefined],
    ['POST', 'concerns/{pupil}/actions', { kind: 'constructor' }, undefined],
    ['POST', 'concerns/{pupil}/actions', { kind: 'add-note', actionId: 'not-a-uuid', values: { note: 'x' } }, undefined],
    ['POST', 'concerns/{pupil}/pupils/0/transfers', { destinationSchool: 42 }, undefined],
    ['POST', 'transfers/00000000-0000-4000-8000-000000000000/receipt', { note: 'x' }, undefined],
    ['POST', 'admin/aup/publish', { audience: '__proto__', title: 'x', effectiveOn: '2026-12-01', body: 'y' }, undefined],
    ['POST', 'admin/aup/publish', { audience: 'staff', title: 'x', effectiveOn: '2026-12-01', linkUrl: 'javascript:alert(1)' }, undefined],
    ['POST', 'admin/roles', { action: 'assign', role: 'governor', aadObjectId: 'me' }, undefined],
    ['GET', 'admin/sharing?severity=everything', undefined, undefined],
  ])('%s %s', async (method, rawPath, body, rawBody) => {
    const path = rawPath.replace('{pupil}', pupilConcern.concernId);
    const who = path.startsWith('admin') ? PEOPLE.admin : PEOPLE.dsl1;
    const res = await call(await as(who), path, { method, body, rawBody });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|SELECT|\.ts:\d+/);
  });
});
