import { SCHOOL, PEOPLE, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';

// Someone the headteacher gives access to one concern about an adult finds it in the tab's
// "About adults" list: that concern only, nobody else's list (DSLs included), and only while the
// access lasts.
let h: Harness;
let idp: TestIdentityProvider;
let granted: { reference: string; concernId: string };
let other: { reference: string; concernId: string };

async function call(who: { aadObjectId: string; name: string }, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${await idp.mint(who)}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const references = (body: { concerns: { reference: string }[] }) => body.concerns.map((c) => c.reference);

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
  const adult = { about: 'adult', category: 'concern-about-adult', pupils: '' } as const;
  granted = await reportAndAwaitCard(h, PEOPLE.teacher, { ...adult, adultName: 'Mr Example', whatHappened: 'A member of staff messaged a pupil on social media.' });
  other = await reportAndAwaitCard(h, PEOPLE.teacher, { ...adult, adultName: 'Ms Sample', whatHappened: 'A member of staff gave a pupil a lift home alone.' });
  await h.say(PEOPLE.dpo, 'hello'); // Jigsaw knows people once they have chatted with it
  const path = `concerns/${granted.concernId}/actions`;
  expect((await call(PEOPLE.head, path, { method: 'POST', body: { kind: 'take-ownership' } })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

it('before access is given, the view is not theirs', async () => {
  expect((await call(PEOPLE.dpo, 'me')).body.views).not.toContain('private-concerns');
  expect((await call(PEOPLE.dpo, 'private-concerns')).status).toBe(403);
});

it('the person given access lists that concern, and only that one; a DSL lists neither', async () => {
  const added = await call(PEOPLE.head, `concerns/${granted.concernId}/actions`, { method: 'POST', body: { kind: 'add-participant', values: { participant: PEOPLE.dpo.aadObjectId } } });
  expect(added.status).toBe(200);

  expect((await call(PEOPLE.dpo, 'me')).body.views).toContain('private-concerns');
  const list = await call(PEOPLE.dpo, 'private-concerns');
  expect(list.status).toBe(200);
  expect(references(list.body)).toEqual([granted.reference]);
  expect(references((await call(PEOPLE.head, 'private-concerns')).body).sort()).toEqual([granted.reference, other.reference].sort());

  expect((await call(PEOPLE.dsl1, 'me')).body.views).not.toContain('private-concerns');
  expect((await call(PEOPLE.dsl1, 'private-concerns')).status).toBe(403);
  expect(references((await call(PEOPLE.dsl1, 'concerns')).body)).not.toEqual(expect.arrayContaining([granted.reference]));
});

it('when the access is withdrawn, so is the listing', async () => {
  const withdrawn = await call(PEOPLE.head, `concerns/${granted.concernId}/actions`, { method: 'POST', body: { kind: 'withdraw-participant', values: { withdrawParticipant: PEOPLE.dpo.aadObjectId } } });
  expect(withdrawn.status).toBe(200);
  expect((await call(PEOPLE.dpo, 'me')).body.views).not.toContain('private-concerns');
  expect((await call(PEOPLE.dpo, 'private-concerns')).status).toBe(403);
  expect((await call(PEOPLE.dpo, `concerns/${granted.concernId}`)).status).toBe(404);
});
