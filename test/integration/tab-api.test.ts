import { SCHOOL, PEOPLE, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { assignRole, clearRole, upsertTenant } from '../../src/store/tenant.repo';
import { seedSharingAudit } from '../support/tab-sharing-fixtures';
import { findingIdFor, type Finding } from '../../src/domain/sharing/findings';
import { createAuditRun } from '../../src/store/sharing-runs.repo';
import { upsertFindings } from '../../src/store/sharing-findings.repo';
import { pdfText } from '../support/pdf-text';
import { TRIAGE_LIMITS } from '../../src/domain/concerns/triage';

// The tab API with tokens from a test identity provider the server is configured to trust:
// each role sees only its views and data, in its own tenant, and every view of a concern or a
// pupil's chronology is logged.
const GOVERNOR = { aadObjectId: '99999999-0000-4000-8000-000000000099', name: 'Gwen Governor' };
const OTHER_TENANT = '7a2d3c4b-0000-4000-8000-000000000002';

let h: Harness;
let idp: TestIdentityProvider;
let pupilConcern: { reference: string; concernId: string };
let urgentConcern: { reference: string; concernId: string };
let adultConcern: { reference: string; concernId: string };

async function call(token: string | undefined, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers };
}
const as = (who: { aadObjectId: string; name: string }) => idp.mint(who);

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
  await assignRole(h.db, SCHOOL.tenantId, 'governor', GOVERNOR.aadObjectId);
  pupilConcern = await reportAndAwaitCard(h, PEOPLE.teacher);
  urgentConcern = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Jordan Blake', category: 'grooming', urgency: 'urgent', whatHappened: 'Jordan said an adult online asked to meet him.' });
  adultConcern = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', adultName: 'Mr Example', category: 'concern-about-adult', pupils: '', whatHappened: 'A member of staff messaged a pupil on social media.' });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

describe('tokens', () => {
  it.each([
    ['no token', async () => undefined],
    ['a forged signature', async () => idp.forge(PEOPLE.dsl1)],
    ['an expired token', async () => idp.mint(PEOPLE.dsl1, { expiresIn: -3600 })],
    ['the wrong audience', async () => idp.mint(PEOPLE.dsl1, { audience: 'api://elsewhere.example/another-app' })],
    ['the wrong issuer', async () => idp.mint(PEOPLE.dsl1, { issuer: 'https://login.microsoftonline.com/attacker/v2.0' })],
    ['no access_as_user scope (an app-only token)', async () => idp.mint(PEOPLE.dsl1, { scp: '' })],
    ['a tenant this service does not serve', async () => idp.mint(PEOPLE.dsl1, { tenantId: '12345678-0000-4000-8000-000000000bad' })],
    ['a token that is not a JWT', async () => 'not-a-token'],
  ])('%s gets 401', async (_what, token) => {
    const res = await call(await token(), 'concerns');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.text).not.toContain('Amelia');
  });

  it("never fetches keys for a tenant it does not serve", async () => {
    const before = idp.jwksRequests();
    for (let i = 0; i < 5; i++) {
      const res = await call(await idp.mint(PEOPLE.dsl1, { tenantId: `12345678-0000-4000-8000-00000000000${i}` }), 'me');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('tenant_not_allowed');
    }
    expect(idp.jwksRequests()).toBe(before);
  });

  it('accepts the API identifier as the audience as well as the client id', async () => {
    expect((await call(await idp.mint(PEOPLE.dsl1, { audience: idp.audience }), 'me')).status).toBe(200);
    expect((await call(await idp.mint(PEOPLE.dsl1, { audience: idp.clientId }), 'me')).status).toBe(200);
  });

  it('takes identity from the token only: roles are resolved on the server', async () => {
    const me = await call(await as(PEOPLE.dsl1), 'me');
    expect(me.body.roles).toEqual(expect.arrayContaining(['staff', 'dsl']));
    expect(me.body.views).toEqual(expect.arrayContaining(['queue', 'access-log', 'my-reports']));
    const teacher = await call(await idp.mint(PEOPLE.teacher, { claims: { roles: ['admin'], wids: ['62e90394-69f5-4237-9190-012177145e10'] } }), 'me');
    expect(teacher.body.roles).toEqual(['staff']);
    expect(teacher.body.views).toEqual(['my-reports']);
  });

  it('marks every answer, refusals included, as not to be cached or content-sniffed', async () => {
    const answers = [await call(await as(PEOPLE.dsl1), 'me'), await call(undefined, 'me'), await call(await as(PEOPLE.teacher), 'access-log')];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 403]);
    for (const a of answers) {
      expect(a.headers.get('cache-control')).toBe('no-store');
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('staff', () => {
  it('cannot read a concern, the queue or the access log', async () => {
    const token = await as(PEOPLE.teacher);
    expect((await call(token, `concerns/${pupilConcern.concernId}`)).status).toBe(403);
    expect((await call(token, `concerns/${pupilConcern.concernId}/pupils/0/chronology`)).status).toBe(403);
    expect((await call(token, 'concerns')).status).toBe(403);
    expect((await call(token, 'access-log')).status).toBe(403);
    expect((await call(token, 'governors/report')).status).toBe(403);
    expect((await call(token, 'admin/settings')).status).toBe(403);
    const act = await call(token, `concerns/${pupilConcern.concernId}/actions`, { method: 'POST', body: { kind: 'take-ownership' } });
    expect(act.status).toBe(403);
  });

  it('sees their own reports: reference, date and status, no case details', async () => {
    const res = await call(await as(PEOPLE.teacher), 'my-reports');
    expect(res.status).toBe(200);
    expect(res.body.reports.map((r: { reference: string }) => r.reference)).toEqual(expect.arrayContaining([pupilConcern.reference, adultConcern.reference]));
    expect(Object.keys(res.body.reports[0]).sort()).toEqual(['createdAt', 'reference', 'status', 'statusText']);
    // Who it went to, as the receipt said: a role, never a name.
    const said = Object.fromEntries(res.body.reports.map((r: { reference: string; statusText: string }) => [r.reference, r.statusText]));
    expect(said[pupilConcern.reference]).toBe('Received by the DSL team');
    expect(said[adultConcern.reference]).toBe('Sent to the headteacher, privately');
    expect(res.text).not.toMatch(/Amelia|Jordan|Mr Example|messaged/);
    const dsl = await call(await as(PEOPLE.dsl1), 'my-reports');
    expect(dsl.body.reports).toEqual([]);
  });
});

describe('DSL', () => {
  it('sees the queue of concerns about pupils, never those about adults', async () => {
    const res = await call(await as(PEOPLE.dsl1), 'concerns');
    expect(res.status).toBe(200);
    const refs = res.body.concerns.map((c: { reference: string }) => c.reference);
    expect(refs).toEqual(expect.arrayContaining([pupilConcern.reference, urgentConcern.reference]));
    expect(refs).not.toContain(adultConcern.reference);
    expect(res.text).not.toContain('Mr Example');
    const amelia = res.body.concerns.find((c: { reference: string }) => c.reference === pupilConcern.reference);
    expect(amelia).toMatchObject({ pupils: ['Amelia Okonkwo (6B)'], category: 'online-bullying', fourC: 'conduct', urgency: 'standard', status: 'new' });
    expect(amelia.whatHappened).toBeUndefined();
  });

  it.each([
    ['urgency=urgent', ['urgent']],
    ['category=online-bullying', ['amelia']],
    ['fourC=contact', ['urgent']],
    ['pupil=okonkwo%20amelia', ['amelia']],
    ['q=jordan', ['urgent']],
    ['status=closed', []],
    ['owner=none', ['amelia', 'urgent']],
  ])('filters: %s', async (query, expected) => {
    const res = await call(await as(PEOPLE.dsl1), `concerns?${query}`);
    expect(res.status).toBe(200);
    const refs = res.body.concerns.map((c: { reference: string }) => c.reference).sort();
    const want = expected.map((w) => (w === 'amelia' ? pupilConcern.reference : urgentConcern.reference)).sort();
    expect(refs).toEqual(want);
  });

  it('rejects an unknown filter value', async () => {
    expect((await call(await as(PEOPLE.dsl1), 'concerns?urgency=whenever')).status).toBe(400);
  });

  it('reads a concern with its decrypted chronology, and the view is logged', async () => {
    const res = await call(await as(PEOPLE.dsl1), `concerns/${pupilConcern.concernId}`);
    expect(res.status).toBe(200);
    expect(res.body.concern).toMatchObject({ reference: pupilConcern.reference, whatHappened: expect.stringContaining('class group chat'), childWords: 'They said nobody wants me there.', reporterName: PEOPLE.teacher.name });
    expect(res.body.chronology[0]).toMatchObject({ seq: 1, type: 'reported', actorName: PEOPLE.teacher.name });
    const [row] = await h.db.query<Record<string, unknown>>("SELECT * FROM tab_access_log WHERE tenant_id = $1 AND action = 'concern.view' AND concern_id = $2 AND actor_aad_id = $3", [SCHOOL.tenantId, pupilConcern.concernId, PEOPLE.dsl1.aadObjectId]);
    expect(row).toMatchObject({ outcome: 'allowed', reference: pupilConcern.reference, actor_name: PEOPLE.dsl1.name });
  });

  it('acts through the same service as the card: take ownership, note, risk', async () => {
    const token = await as(PEOPLE.dsl1);
    const path = `concerns/${pupilConcern.concernId}/actions`;
    const own = await call(token, path, { method: 'POST', body: { kind: 'take-ownership', actionId: '11111111-1111-4111-8111-111111111111' } });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ recorded: true, status: 'acknowledged' });
    const again = await call(token, path, { method: 'POST', body: { kind: 'take-ownership', actionId: '11111111-1111-4111-8111-111111111111' } });
    expect(again.body).toMatchObject({ recorded: false });
    expect((await call(token, path, { method: 'POST', body: { kind: 'add-note', values: { note: '' } } })).status).toBe(400);
    expect((await call(token, path, { method: 'POST', body: { kind: 'add-note', values: { note: 'Spoke to Amelia with her class teacher.' } } })).status).toBe(200);
    expect((await call(token, path, { method: 'POST', body: { kind: 'set-risk', values: { riskLevel: 'medium' } } })).status).toBe(200);
    const detail = await call(token, `concerns/${pupilConcern.concernId}`);
    expect(detail.body.chronology.map((e: { type: string }) => e.type)).toEqual(['reported', 'acknowledged', 'note-added', 'risk-set']);
    expect(detail.body.chronology[2].details.note).toBe('Spoke to Amelia with her class teacher.');
    const other = await call(await as(PEOPLE.dsl2), path, { method: 'POST', body: { kind: 'take-ownership' } });
    expect(other.status).toBe(409);
    expect(other.body.message).toContain(PEOPLE.dsl1.name);
  });

  it('links concerns and records information sharing from the tab; a wrong answer comes back next to its field', async () => {
    const token = await as(PEOPLE.dsl1);
    const path = `concerns/${pupilConcern.concernId}/actions`;
    const detail = await call(token, `concerns/${pupilConcern.concernId}`);
    expect(detail.body.actions).toEqual(expect.arrayContaining(['link', 'record-sharing']));
    expect(detail.body.actions).not.toContain('add-participant');

    const unknown = await call(token, path, { method: 'POST', body: { kind: 'link', values: { linkReferences: 'C-2026-09999' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.linkReferences).toContain('C-2026-09999');
    const malformed = await call(token, path, { method: 'POST', body: { kind: 'link', values: { linkReferences: 'last week' } } });
    expect(malformed.body.errors.linkReferences).toContain('C-2026-00012');
    const linked = await call(token, path, { method: 'POST', body: { kind: 'link', values: { linkReferences: urgentConcern.reference.toLowerCase(), linkPupils: 'Jordan Blake' } } });
    expect(linked.status).toBe(200);
    expect(linked.body.message).toBe('Linked to other pupils or concerns');

    const noReason = await call(token, path, { method: 'POST', body: { kind: 'record-sharing', values: { shareWith: 'Children’s social care (MASH)', shareWhat: 'The disclosure', shareWhy: 'Risk of harm', consentSought: 'no' } } });
    expect(noReason.status).toBe(400);
    expect(Object.keys(noReason.body.errors)).toEqual(['noConsentReason']);
    // A long paste (a conversation typed up) is told how long it may be, next to its field, and
    // nothing is recorded: never "the request could not be read".
    const tooLong = await call(token, path, { method: 'POST', body: { kind: 'record-sharing', values: { shareWith: 'Children’s social care (MASH)', shareWhat: 'x'.repeat(9000), shareWhy: 'Risk of harm', consentSought: 'yes' } } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual({ shareWhat: `Keep this under ${TRIAGE_LIMITS.reasonMax} characters (it is 9000).` });
    const shared = await call(token, path, { method: 'POST', body: { kind: 'record-sharing', values: { shareWith: 'Children’s social care (MASH)', shareWhat: 'The disclosure', shareWhy: 'Risk of harm', consentSought: 'no', noConsentReason: 'Seeking consent would place the child at risk.' } } });
    expect(shared.status).toBe(200);
    const after = await call(token, `concerns/${pupilConcern.concernId}`);
    expect(after.body.chronology.map((e: { type: string }) => e.type).slice(-2)).toEqual(['linked', 'information-shared']);
    expect(after.body.chronology.at(-2).details).toMatchObject({ references: [urgentConcern.reference], pupils: ['Jordan Blake'] });
    const rows = await h.db.query<{ outcome: string; reason: string }>("SELECT outcome, reason FROM access_log WHERE tenant_id = $1 AND concern_id = $2 AND verb = 'concern.link' ORDER BY log_id", [SCHOOL.tenantId, pupilConcern.concernId]);
    expect(rows.map((r) => r.outcome)).toEqual(['rejected', 'allowed']);
  });

  it("reads a pupil's chronology across concerns (logged), by concern and position, not by name", async () => {
    const second = await reportAndAwaitCard(h, PEOPLE.dsl2, { pupils: 'amelia okonkwo', category: 'social-media', whatHappened: 'Amelia posted her address publicly.' });
    const res = await call(await as(PEOPLE.dsl2), `concerns/${pupilConcern.concernId}/pupils/0/chronology`);
    expect(res.status).toBe(200);
    expect(res.body.pupil.name).toBe('Amelia Okonkwo (6B)');
    expect(res.body.concerns.map((c: { reference: string }) => c.reference)).toEqual([pupilConcern.reference, second.reference]);
    expect(res.body.events.map((e: { reference: string }) => e.reference)).toContain(second.reference);
    const rows = await h.db.query<Record<string, unknown>>("SELECT * FROM tab_access_log WHERE tenant_id = $1 AND action = 'pupil.chronology.view'", [SCHOOL.tenantId]);
    expect(rows.some((r) => r.actor_aad_id === PEOPLE.dsl2.aadObjectId && r.pupil_key === 'name:amelia okonkwo' && r.outcome === 'allowed')).toBe(true);
  });

  it("exports a pupil's file as a PDF for a new school, records the transfer and its receipt", async () => {
    const token = await as(PEOPLE.dsl1);
    const base = `concerns/${pupilConcern.concernId}/pupils/0/transfers`;
    expect((await call(token, base, { method: 'POST', body: { destinationSchool: '' } })).status).toBe(400);
    expect((await call(await as(PEOPLE.teacher), base, { method: 'POST', body: { destinationSchool: 'Avenue House School' } })).status).toBe(403);
    const res = await fetch(`${h.url}/api/tab/${base}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ destinationSchool: 'Avenue House School' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    const text = pdfText(pdf); // parsed through its xref table; the text as a reader copies it
    expect(text[0]).toBe('Child protection file: Amelia Okonkwo (6B)');
    expect(text.join('\n')).toContain(pupilConcern.reference);
    expect(text.join(' ')).toContain('to Avenue House School.');
    expect(text.join(' ')).toContain("The child's words: \"They said nobody wants me there.\"");
    const transferId = res.headers.get('x-transfer-id')!;
    const listed = await call(token, base);
    expect(listed.body.transfers).toEqual([expect.objectContaining({ transferId, destinationSchool: 'Avenue House School', exportedByName: PEOPLE.dsl1.name })]);
    expect(listed.body.transfers[0].receiptConfirmedAt).toBeUndefined();
    const receipt = await call(token, `transfers/${transferId}/receipt`, { method: 'POST', body: { note: 'Confirmed by their DSL by phone.' } });
    expect(receipt.status).toBe(200);
    expect((await call(token, `transfers/${transferId}/receipt`, { method: 'POST', body: {} })).status).toBe(409);
    expect((await call(token, base)).body.transfers[0]).toMatchObject({ receiptNote: 'Confirmed by their DSL by phone.', receiptConfirmedAt: expect.any(String) });
    const [logged] = await h.db.query<Record<string, unknown>>("SELECT * FROM tab_access_log WHERE tenant_id = $1 AND action = 'pupil.file.export'", [SCHOOL.tenantId]);
    expect(logged).toMatchObject({ actor_aad_id: PEOPLE.dsl1.aadObjectId, pupil_key: 'name:amelia okonkwo' });
  });

  it('cannot open a concern about an adult (it does not exist for them)', async () => {
    const res = await call(await as(PEOPLE.dsl1), `concerns/${adultConcern.concernId}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Mr Example');
  });

  it('refused views are logged too', async () => {
    await call(await as(PEOPLE.teacher), `concerns/${urgentConcern.concernId}`);
    const rows = await h.db.query<Record<string, unknown>>("SELECT * FROM tab_access_log WHERE tenant_id = $1 AND actor_aad_id = $2 AND concern_id = $3", [SCHOOL.tenantId, PEOPLE.teacher.aadObjectId, urgentConcern.concernId]);
    expect(rows[0]).toMatchObject({ outcome: 'refused', action: 'concern.view' });
  });

  it('takes over a concern another DSL owns: offered to the others, a reason required, a stale page and a closed concern refused', async () => {
    const c = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Sami Noor (4C)', whatHappened: 'Sami was sent unkind messages about his family in a class chat.' });
    const detail = `concerns/${c.concernId}`;
    const path = `${detail}/actions`;
    const [dana, priya, ari] = [await as(PEOPLE.dsl1), await as(PEOPLE.dsl2), await as(PEOPLE.admin)];
    const takeOver = (token: string, fromOwner: string | undefined, reason: string) => call(token, path, { method: 'POST', body: { kind: 'take-over', values: { takeOverReason: reason, ...(fromOwner ? { fromOwner } : {}) } } });

    // Nobody owns a new concern: taken, not taken over.
    expect((await call(priya, detail)).body.actions).toEqual(['take-ownership']);
    expect((await takeOver(priya, undefined, 'x')).body).toMatchObject({ error: 'not-owned' });
    expect((await call(dana, path, { method: 'POST', body: { kind: 'take-ownership' } })).status).toBe(200);

    // The owner is offered nothing about ownership; another DSL is offered "take over", last, with the owner's id.
    const own = (await call(dana, detail)).body;
    expect(own.actions[0]).toBe('add-note');
    expect(own.actions).not.toEqual(expect.arrayContaining(['take-over']));
    expect(own.actions).not.toContain('take-ownership');
    const seen = (await call(priya, detail)).body;
    expect(seen.actions.at(-1)).toBe('take-over');
    expect(seen.actions).not.toContain('take-ownership');
    expect(seen.concern).toMatchObject({ ownerName: PEOPLE.dsl1.name, ownerAadId: PEOPLE.dsl1.aadObjectId });
    // The owner themselves, from a forged request: refused, nothing changes.
    expect((await takeOver(dana, PEOPLE.dsl1.aadObjectId, 'mine')).body).toMatchObject({ error: 'unchanged', message: 'You already own this concern.' });

    // A reason is required (the form keeps its place: a 400 names the field).
    const noReason = await takeOver(priya, seen.concern.ownerAadId, '  ');
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.takeOverReason).toMatch(/^Say why you are taking it over/);

    // Ari takes over first; Priya's page still shows Dana: refused with who owns it now, nothing recorded.
    expect((await takeOver(ari, PEOPLE.dsl1.aadObjectId, 'Dana is on a course this week.')).status).toBe(200);
    const stale = await takeOver(priya, seen.concern.ownerAadId, 'Dana is on leave.');
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'owner-changed', message: `The owner has changed since you last saw this concern: ${PEOPLE.admin.name} owns this concern now. Nothing was recorded.` });

    // From the owner the page now shows, it is recorded: only the owner changes.
    const reread = (await call(priya, detail)).body;
    expect(reread.concern.ownerAadId).toBe(PEOPLE.admin.aadObjectId);
    const taken = await takeOver(priya, reread.concern.ownerAadId, 'Ari is covering another school until Friday.');
    expect(taken.status).toBe(200);
    expect(taken.body).toEqual({ recorded: true, message: 'Ownership taken over', status: 'acknowledged' });
    const after = (await call(priya, detail)).body;
    expect(after.concern).toMatchObject({ ownerName: PEOPLE.dsl2.name, ownerAadId: PEOPLE.dsl2.aadObjectId, status: 'acknowledged' });
    expect(after.actions).not.toContain('take-over');
    expect(after.chronology.map((e: { type: string }) => e.type)).toEqual(['reported', 'acknowledged', 'ownership-taken-over', 'ownership-taken-over']);
    expect(after.chronology.at(-1)).toMatchObject({ summary: 'Ownership taken over', actorName: PEOPLE.dsl2.name, details: { previousOwner: PEOPLE.admin.name, reason: 'Ari is covering another school until Friday.' } });
    expect((await call(dana, detail)).body.actions.at(-1)).toBe('take-over');

    // Closed meanwhile: refused, and nothing about ownership is offered on a closed concern.
    expect((await call(priya, path, { method: 'POST', body: { kind: 'close', values: { closeOutcome: 'monitor', closeRationale: 'Resolved with the family.' } } })).status).toBe(200);
    const closed = await takeOver(dana, PEOPLE.dsl2.aadObjectId, 'Priya is on leave.');
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ error: 'closed', message: expect.stringContaining('This concern is closed') });
    expect((await call(dana, detail)).body.actions).toEqual(['reopen']);
    // Reopened (the owner stays): offered again.
    expect((await call(dana, path, { method: 'POST', body: { kind: 'reopen', values: { reopenReason: 'New messages found.' } } })).status).toBe(200);
    expect((await call(dana, detail)).body.actions.at(-1)).toBe('take-over');

    // Every attempt that reached the service is in triage's access log, as the card's are.
    const rows = await h.db.query<{ actor_aad_id: string; outcome: string; reason: string }>(
      "SELECT actor_aad_id, outcome, reason FROM access_log WHERE tenant_id = $1 AND concern_id = $2 AND verb = 'concern.take-over' ORDER BY log_id",
      [SCHOOL.tenantId, c.concernId],
    );
    expect(rows.map((r) => [r.actor_aad_id, r.outcome, r.reason])).toEqual([
      [PEOPLE.dsl2.aadObjectId, 'rejected', 'tab: not-owned'],
      [PEOPLE.dsl1.aadObjectId, 'rejected', 'tab: unchanged'],
      [PEOPLE.admin.aadObjectId, 'allowed', 'tab'],
      [PEOPLE.dsl2.aadObjectId, 'rejected', 'tab: owner-changed'],
      [PEOPLE.dsl2.aadObjectId, 'allowed', 'tab'],
      [PEOPLE.dsl1.aadObjectId, 'rejected', 'tab: closed'],
    ]);
  });
});

describe('access log', () => {
  it('DSLs and the DPO can read it; others cannot', async () => {
    const dsl = await call(await as(PEOPLE.dsl1), 'access-log');
    expect(dsl.status).toBe(200);
    expect(dsl.body.entries.some((e: { action: string; reference?: string }) => e.action === 'concern.view' && e.reference === pupilConcern.reference)).toBe(true);
    const dpo = await call(await as(PEOPLE.dpo), 'access-log');
    expect(dpo.status).toBe(200);
    expect((await call(await as(GOVERNOR), 'access-log')).status).toBe(403);
    expect((await call(await as(PEOPLE.head), 'access-log')).status).toBe(403);
  });
});

describe('headteacher and chair', () => {
  it('the headteacher sees the concern about an adult, privately', async () => {
    const token = await as(PEOPLE.head);
    const list = await call(token, 'private-concerns');
    expect(list.status).toBe(200);
    expect(list.body.concerns.map((c: { reference: string }) => c.reference)).toEqual([adultConcern.reference]);
    const detail = await call(token, `concerns/${adultConcern.concernId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.concern.adultName).toBe('Mr Example');
    expect((await call(token, `concerns/${pupilConcern.concernId}`)).status).toBe(403);
  });

  it('the headteacher gives a named person access from the tab; only the recipient can', async () => {
    const head = await as(PEOPLE.head);
    await h.say(PEOPLE.dpo, 'hello'); // Jigsaw knows people once they have chatted with it
    const path = `concerns/${adultConcern.concernId}/actions`;
    expect((await call(head, `concerns/${adultConcern.concernId}`)).body.actions).not.toContain('add-participant'); // not yet acknowledged
    expect((await call(head, path, { method: 'POST', body: { kind: 'take-ownership' } })).status).toBe(200);
    const detail = await call(head, `concerns/${adultConcern.concernId}`);
    expect(detail.body.actions).toContain('add-participant');
    const candidate = detail.body.choices.people.find((p: { id: string }) => p.id === PEOPLE.dpo.aadObjectId);
    expect(candidate).toEqual({ id: PEOPLE.dpo.aadObjectId, title: PEOPLE.dpo.name });

    const unknown = await call(head, path, { method: 'POST', body: { kind: 'add-participant', values: { participant: '00000000-0000-4000-8000-00000000dead' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.participant).toMatch(/does not know them/);
    expect((await call(await as(PEOPLE.dpo), `concerns/${adultConcern.concernId}`)).status).not.toBe(200);
    const added = await call(head, path, { method: 'POST', body: { kind: 'add-participant', values: { participant: PEOPLE.dpo.aadObjectId } } });
    expect(added.status).toBe(200);
    const dpo = await as(PEOPLE.dpo);
    const seen = await call(dpo, `concerns/${adultConcern.concernId}`);
    expect(seen.status).toBe(200);
    expect(seen.body.access).toBe('participant');
    expect(seen.body.actions).not.toContain('add-participant');
    const refused = await call(dpo, path, { method: 'POST', body: { kind: 'add-participant', values: { participant: PEOPLE.dsl1.aadObjectId } } });
    expect(refused.status).toBe(403);
    expect((await call(await as(PEOPLE.dsl1), path, { method: 'POST', body: { kind: 'add-participant', values: { participant: PEOPLE.dsl1.aadObjectId } } })).status).toBe(404);
    expect((await call(head, `concerns/${adultConcern.concernId}`)).body.choices.people.map((p: { id: string }) => p.id)).not.toContain(PEOPLE.dpo.aadObjectId);
  });

  it('only the current recipient takes over a concern about an adult, not the people they added', async () => {
    // After the test above: Helen owns it and gave the DPO access.
    const path = `concerns/${adultConcern.concernId}/actions`;
    const dpo = await as(PEOPLE.dpo);
    const seen = (await call(dpo, `concerns/${adultConcern.concernId}`)).body;
    expect(seen.concern.ownerAadId).toBe(PEOPLE.head.aadObjectId);
    expect(seen.actions).not.toContain('take-over');
    expect((await call(await as(PEOPLE.head), `concerns/${adultConcern.concernId}`)).body.actions).not.toContain('take-over');
    const refused = await call(dpo, path, { method: 'POST', body: { kind: 'take-over', values: { takeOverReason: 'Helen is away.', fromOwner: PEOPLE.head.aadObjectId } } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Only the recipient of this concern can take it over.');

    // A new headteacher (the role, from the store) may take it over.
    await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
    await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.admin.aadObjectId);
    try {
      const newHead = await as(PEOPLE.admin);
      const detail = (await call(newHead, `concerns/${adultConcern.concernId}`)).body;
      expect(detail.actions.at(-1)).toBe('take-over');
      const taken = await call(newHead, path, { method: 'POST', body: { kind: 'take-over', values: { takeOverReason: 'Helen has left; I am the new headteacher.', fromOwner: detail.concern.ownerAadId } } });
      expect(taken.status).toBe(200);
      expect((await call(newHead, `concerns/${adultConcern.concernId}`)).body.concern.ownerAadId).toBe(PEOPLE.admin.aadObjectId);
    } finally {
      await clearRole(h.db, SCHOOL.tenantId, 'headteacher');
      await assignRole(h.db, SCHOOL.tenantId, 'headteacher', PEOPLE.head.aadObjectId);
    }
  });

  it('the chair does not see a concern addressed to the headteacher', async () => {
    const list = await call(await as(PEOPLE.chair), 'private-concerns');
    expect(list.body.concerns).toEqual([]);
    expect((await call(await as(PEOPLE.chair), `concerns/${adultConcern.concernId}`)).status).toBe(404);
  });
});

describe('governors', () => {
  it('see anonymised counts, with no names or references', async () => {
    const res = await call(await as(GOVERNOR), 'governors/report');
    expect(res.status).toBe(200);
    expect(res.body.minCount).toBe(3);
    // The twelve complete months to the last one: the concerns reported today are not in it until
    // this month ends (a report read daily would date each one). Counting as at a period's end,
    // with the suppression, over stored concerns: governor-report-period.test.ts.
    const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date()).split('-').map(Number);
    expect(res.body.periodEnd).toBe(new Date(Date.UTC(year!, month! - 1, 0)).toISOString().slice(0, 10));
    expect(res.body.total).toBe(0);
    expect(res.body.byMonth).toHaveLength(12);
    expect(res.body.byMonth.at(-1).key).toBe(res.body.periodEnd.slice(0, 7));
    for (const dimension of ['byCategory', 'byFourC', 'byMonth', 'byStatus', 'outcomes']) {
      const counts = res.body[dimension].map((r: { count: number | null }) => r.count);
      expect(counts.filter((c: number | null) => c === 1 || c === 2)).toEqual([]);
      // Never one hidden cell alone beside other non-zero cells (it could be recovered by subtraction);
      // alone among zeros it is the whole dimension, whose total is itself hidden.
      if (counts.filter((c: number | null) => c === null).length === 1) expect(counts.filter((c: number | null) => c !== null && c > 0)).toEqual([]);
    }
    // A time to acknowledge is shown only once at least 3 concerns were acknowledged.
    if (res.body.acknowledgement.acknowledged === null) expect(res.body.acknowledgement.medianMinutes).toBeUndefined();
    for (const secret of ['Amelia', 'Okonkwo', 'Jordan', 'Mr Example', PEOPLE.teacher.name, PEOPLE.dsl1.name, pupilConcern.reference, 'group chat']) {
      expect(res.text).not.toContain(secret);
    }
    expect((await call(await as(GOVERNOR), 'concerns')).status).toBe(403);
    expect((await call(await as(GOVERNOR), `concerns/${pupilConcern.concernId}`)).status).toBe(403);
  });
});

describe('admin', () => {
  it('sees settings, the sharing audit and the AUP register', async () => {
    const token = await as(PEOPLE.admin);
    const settings = await call(token, 'admin/settings');
    expect(settings.status).toBe(200);
    expect(settings.body.roles.map((r: { role: string }) => r.role)).toEqual(expect.arrayContaining(['admin', 'headteacher', 'chair', 'dpo', 'governor']));
    expect(settings.body.dslChannel).toMatchObject({ name: SCHOOL.dslChannel.name });
    const thresholds = Object.fromEntries(settings.body.thresholds.map((t: { name: string; value: string }) => [t.name, t.value]));
    expect(thresholds).toMatchObject({ 'Concern records kept': expect.stringContaining('25 years'), 'AUP records kept': '6 years', 'Sharing audit findings kept': '365 days', 'Pattern alert': expect.stringContaining('3 concerns') });
    expect((await call(token, 'admin/sharing')).body).toMatchObject({ remediationEnabled: false, runs: [], findings: [] });
    expect((await call(token, 'admin/aup')).body).toMatchObject({ register: [], audienceChoices: expect.arrayContaining([{ id: 'pupils-ks1', title: 'Pupils, Key Stage 1 (parents sign)' }]) });
    expect((await call(await as(PEOPLE.dsl2), 'admin/settings')).status).toBe(403);
  });

  it('gives and takes away roles: recorded, effective at once, configuration roles and own admin role kept', async () => {
    const admin = await as(PEOPLE.admin);
    await h.say(PEOPLE.dsl2, 'hello'); // known to Jigsaw once they have chatted with it
    const settings = await call(admin, 'admin/settings');
    expect(settings.body.people.map((p: { id: string }) => p.id)).toContain(PEOPLE.dsl2.aadObjectId);
    expect(settings.body.roleChoices.find((r: { id: string }) => r.id === 'headteacher')).toMatchObject({ single: true });

    expect((await call(await as(PEOPLE.dsl2), 'governors/report')).status).toBe(403);
    expect((await call(await as(PEOPLE.teacher), 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'governor', aadObjectId: PEOPLE.teacher.aadObjectId } })).status).toBe(403);
    const given = await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'governor', aadObjectId: PEOPLE.dsl2.aadObjectId } });
    expect(given.status).toBe(200);
    expect(given.body.message).toContain(PEOPLE.dsl2.name);
    expect((await call(await as(PEOPLE.dsl2), 'governors/report')).status).toBe(200);
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'governor', aadObjectId: PEOPLE.dsl2.aadObjectId } })).status).toBe(409);

    const unknownPerson = await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'governor', aadObjectId: '00000000-0000-4000-8000-00000000beef' } });
    expect(unknownPerson.status).toBe(400);
    expect(unknownPerson.body.errors.person).toBeDefined();
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'toString', aadObjectId: PEOPLE.dsl2.aadObjectId } })).body.errors.role).toBeDefined();
    // The headteacher comes from configuration: the tab cannot replace or remove them.
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'headteacher', aadObjectId: PEOPLE.dsl2.aadObjectId } })).body.error).toBe('set-by-configuration');
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'remove', role: 'headteacher', aadObjectId: PEOPLE.head.aadObjectId } })).status).toBe(409);
    // One-person roles not set in configuration pass from holder to holder.
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'online_safety_lead', aadObjectId: PEOPLE.dsl2.aadObjectId } })).status).toBe(200);
    await h.say(PEOPLE.dsl1, 'hello');
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'online_safety_lead', aadObjectId: PEOPLE.dsl1.aadObjectId } })).status).toBe(200);
    const leads = await h.db.query<{ aad_object_id: string }>("SELECT aad_object_id FROM role_assignments WHERE tenant_id = $1 AND role = 'online_safety_lead'", [SCHOOL.tenantId]);
    expect(leads.map((r) => r.aad_object_id)).toEqual([PEOPLE.dsl1.aadObjectId]);

    // An admin given in the tab can be removed, but nobody removes their own admin role.
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'assign', role: 'admin', aadObjectId: PEOPLE.dsl2.aadObjectId } })).status).toBe(200);
    const self = await call(await as(PEOPLE.dsl2), 'admin/roles', { method: 'POST', body: { action: 'remove', role: 'admin', aadObjectId: PEOPLE.dsl2.aadObjectId } });
    expect(self.body.error).toBe('own-admin-role');
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'remove', role: 'admin', aadObjectId: PEOPLE.dsl2.aadObjectId } })).status).toBe(200);
    expect((await call(admin, 'admin/roles', { method: 'POST', body: { action: 'remove', role: 'governor', aadObjectId: PEOPLE.dsl2.aadObjectId } })).status).toBe(200);
    expect((await call(await as(PEOPLE.dsl2), 'governors/report')).status).toBe(403);

    const changes = (await call(admin, 'admin/settings')).body.roleChanges;
    expect(changes.slice(0, 3).map((c: { role: string; change: string }) => `${c.change} ${c.role}`)).toEqual(['removed Governor', 'removed Administrator', 'assigned Administrator']);
    expect(changes[0]).toMatchObject({ name: PEOPLE.dsl2.name, byName: PEOPLE.admin.name });
    await expect(h.db.query('DELETE FROM role_changes WHERE tenant_id = $1', [SCHOOL.tenantId])).rejects.toThrow(/append-only/);
  });

  it('publishes an AUP version through the same service as the CLI', async () => {
    const token = await as(PEOPLE.admin);
    const bad = await call(token, 'admin/aup/publish', { method: 'POST', body: { audience: 'staff', title: '', effectiveOn: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.length).toBeGreaterThan(0);
    // A whole policy pasted in is told what to do instead, not "the request could not be read".
    const long = await call(token, 'admin/aup/publish', { method: 'POST', body: { audience: 'staff', title: 'Staff AUP', effectiveOn: '2026-12-01', body: 'I will use school systems responsibly. '.repeat(800) } });
    expect(long.status).toBe(400);
    expect(long.body.problems).toEqual([expect.stringContaining('over 20,000 characters: publish a link to the full document')]);
    expect((await call(await as(PEOPLE.dsl1), 'admin/aup/publish', { method: 'POST', body: { audience: 'staff', title: 'x', effectiveOn: '2026-12-01', body: 'y' } })).status).toBe(403);
    const ok = await call(token, 'admin/aup/publish', { method: 'POST', body: { audience: 'governors', title: 'Governor AUP 2026', effectiveOn: '2026-12-01', body: 'I will keep school information confidential.', summary: '', linkUrl: '' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ versionNumber: 1 });
    const register = await call(token, 'admin/aup');
    expect(register.body.versions).toEqual([expect.objectContaining({ audience: 'governors', title: 'Governor AUP 2026', versionNumber: 1 })]);
  });

  it('accepts a finding with a reason and notifies owners through the audit services', async () => {
    const token = await as(PEOPLE.admin);
    const { runId, findings } = await seedSharingAudit(h.db, SCHOOL.tenantId, PEOPLE.teacher);
    const audit = await call(token, 'admin/sharing');
    expect(audit.body.runs[0]).toMatchObject({ runId, status: 'completed', findingsSeen: 2 });
    expect(audit.body.findings.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['Year 6 SEN register.xlsx', 'Sports day rota.docx']));
    expect((await call(token, 'admin/sharing?pupilData=yes')).body.findings.map((f: { name: string }) => f.name)).toEqual(['Year 6 SEN register.xlsx']);
    // Remediation is off in this deployment: removing a link is refused, and nothing changes.
    const removal = await call(token, `admin/sharing/findings/${findings[0]!.id}/remove-link`, { method: 'POST', body: {} });
    expect(removal.status).toBe(409);
    expect(removal.body).toMatchObject({ error: 'remediation_off', message: expect.stringContaining('REMEDIATION_ENABLED') });
    expect((await call(token, 'admin/sharing')).body.findings.find((f: { findingId: string }) => f.findingId === findings[0]!.id)).toMatchObject({ status: 'open' });
    const path = `admin/sharing/findings/${findings[1]!.id}/accept`;
    expect((await call(token, path, { method: 'POST', body: { reason: '' } })).status).toBe(400);
    const tooLong = await call(token, path, { method: 'POST', body: { reason: 'x'.repeat(2500) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual({ reason: 'Keep this under 2000 characters (it is 2500).' });
    expect((await call(await as(PEOPLE.dsl1), path, { method: 'POST', body: { reason: 'Shared with all staff on purpose.' } })).status).toBe(403);
    const accepted = await call(token, path, { method: 'POST', body: { reason: 'Shared with all staff on purpose.' } });
    expect(accepted.status).toBe(200);
    expect((await call(token, path, { method: 'POST', body: { reason: 'again' } })).status).toBe(409);
    const kept = await call(token, 'admin/sharing?status=accepted');
    expect(kept.body.findings).toEqual([expect.objectContaining({ name: 'Sports day rota.docx', statusReason: 'Shared with all staff on purpose.' })]);
    const notified = await call(token, `admin/sharing/runs/${runId}/notify`, { method: 'POST', body: {} });
    expect(notified.status).toBe(200);
    expect(notified.body).toMatchObject({ owners: 1, findings: 1 });
  });

  it("lists the first 500 matching findings, most severe first, filtered in the store, and says how many match", async () => {
    const token = await as(PEOPLE.admin);
    // A trust-sized run: 540 findings, 12 of them critical (pupil data), 30 external.
    const runId = '5a5a5a5a-0000-4000-8000-000000000540';
    await createAuditRun(h.db, SCHOOL.tenantId, runId, 'full', new Date());
    const many: Finding[] = Array.from({ length: 540 }, (_, n) => {
      const itemId = `bulk-${String(n).padStart(3, '0')}`;
      const critical = n % 45 === 0;
      return {
        id: findingIdFor(SCHOOL.tenantId, 'drive-2', itemId),
        driveId: 'drive-2',
        itemId,
        name: `${itemId}.xlsx`,
        path: `/Documents/${itemId}.xlsx`,
        webUrl: null,
        isFolder: false,
        exposure: { scope: critical ? 'anonymous' : n % 18 === 1 ? 'external' : 'organization', linkType: 'view', permissionId: `perm-${itemId}`, viaItemId: itemId, expiresAt: null, hasPassword: false },
        exposedDescendants: 0,
        pupilData: critical ? { likely: true, reasons: [{ kind: 'mis-header', reason: 'Columns UPN and DOB' }] } : { likely: false, reasons: [] },
        severity: critical ? 'critical' : 'low',
        owner: { id: PEOPLE.teacher.aadObjectId, displayName: PEOPLE.teacher.name, email: null },
        exposureReason: 'r',
      };
    });
    await upsertFindings(h.db, SCHOOL.tenantId, runId, new Date(), many);
    const [{ n: open }] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND status = 'open'`, [SCHOOL.tenantId]);
    const all = (await call(token, 'admin/sharing')).body;
    expect(all.findingsTotal).toBe(open);
    expect(all.findings).toHaveLength(500);
    const severities = all.findings.map((f: { severity: string }) => f.severity);
    expect(severities.slice(0, severities.lastIndexOf('critical') + 1).every((sv: string) => sv === 'critical')).toBe(true);
    expect(severities.filter((sv: string) => sv === 'critical').length).toBeGreaterThanOrEqual(12);
    // Filters apply before the page is cut, so nothing matching is hidden behind the first 500.
    const external = (await call(token, 'admin/sharing?scope=external')).body;
    expect(external.findings.map((f: { name: string }) => f.name)).toEqual(many.filter((f) => f.exposure.scope === 'external').map((f) => f.name));
    expect(external.findingsTotal).toBe(30);
    const critical = (await call(token, 'admin/sharing?severity=critical&pupilData=yes')).body;
    expect(critical.findings.every((f: { severity: string; pupilDataLikely: boolean }) => f.severity === 'critical' && f.pupilDataLikely)).toBe(true);
    expect(critical.findings.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(many.filter((f) => f.severity === 'critical').map((f) => f.name)));
    expect(critical.findingsTotal).toBe(critical.findings.length);
  });
});

describe('tenant isolation', () => {
  it("another school's token sees nothing of this school", async () => {
    await upsertTenant(h.db, { tenantId: OTHER_TENANT, schoolName: 'Avenue House', timeZone: 'Europe/London' });
    // The same people, signed in to the other school: no roster, no roles, no reports there.
    for (const who of [PEOPLE.dsl1, PEOPLE.admin, PEOPLE.teacher, PEOPLE.head]) {
      const token = await idp.mint(who, { tenantId: OTHER_TENANT });
      const me = await call(token, 'me');
      expect(me.body.roles).toEqual(['staff']);
      expect((await call(token, 'concerns')).status).toBe(403);
      expect((await call(token, `concerns/${pupilConcern.concernId}`)).status).toBe(404);
      expect((await call(token, 'my-reports')).body.reports).toEqual([]);
    }
  });
});
