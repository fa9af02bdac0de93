import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { exportPupil } from '../../src/services/export-pupil';
import { listConcernsSharingPupils } from '../../src/store/triage.repo';
import { pdfText } from '../support/pdf-text';

// Concerns are linked to a pupil by a key made from the typed name. A key that lost the letters
// of a name (every Cyrillic, Greek, Arabic, Chinese… name gave the same empty key) linked
// different children as one: the DSL's views, the file sent to a new school and a subject
// access export then held another child's records. Each path is exercised here as it runs.

let h: Harness;
let idp: TestIdentityProvider;
type Reported = { reference: string; concernId: string };
const r: Record<'dmitri' | 'anna' | 'lucjaAccented' | 'lucjaPlain' | 'unknown1' | 'unknown2', Reported> = {} as never;

async function call(path: string, init: { method?: string; body?: unknown } = {}) {
  const token = await idp.mint(PEOPLE.dsl1);
  const res = await fetch(`${h.url}/api/tab/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()).toString('latin1') };
}
const referencesOf = (body: { concerns: { reference: string }[] }) => body.concerns.map((c) => c.reference).sort();
const exportOf = (pupil: string) => exportPupil({ db: h.db, concerns: h.app.concerns, now: new Date(), actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: PEOPLE.dpo.name } }, { pupil, tenantId: SCHOOL.tenantId });

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
  r.dmitri = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Дмитрий Иванов', whatHappened: 'Dmitri was sent threatening messages after school.' });
  r.anna = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Анна Петрова', whatHappened: 'Anna disclosed something at home that worried her teacher.' });
  r.lucjaAccented = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Łucja Nowak (5C)', whatHappened: 'Lucja was excluded from a class group chat.' });
  r.lucjaPlain = await reportAndAwaitCard(h, PEOPLE.dsl2, { pupils: 'Lucja Nowak', whatHappened: 'Lucja said the group chat is still going on.' });
  r.unknown1 = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: '???', whatHappened: 'A pupil I do not know was crying by the gate.' });
  r.unknown2 = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: '???', whatHappened: 'Another pupil I do not know was on a stranger’s phone.' });
}, 90_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

describe('two children whose names are in Cyrillic are two pupils', () => {
  it("the DSL's views of one pupil never show the other's concern", async () => {
    expect((await listConcernsSharingPupils(h.db, SCHOOL.tenantId, r.dmitri.concernId)).map((c) => c.reference)).toEqual([]);
    const chronology = await call(`concerns/${r.dmitri.concernId}/pupils/0/chronology`);
    expect(chronology.status).toBe(200);
    expect(referencesOf(chronology.body)).toEqual([r.dmitri.reference]);
    expect(JSON.stringify(chronology.body)).not.toContain('Anna disclosed');
    const filtered = await call(`concerns?pupil=${encodeURIComponent('Анна Петрова')}`);
    expect(referencesOf(filtered.body)).toEqual([r.anna.reference]);
  });

  it("the file sent to a new school holds that pupil's concerns only", async () => {
    const res = await call(`concerns/${r.dmitri.concernId}/pupils/0/transfers`, { method: 'POST', body: { destinationSchool: 'Riverside High' } });
    expect(res.status).toBe(200);
    const text = pdfText(Buffer.from(res.body, 'latin1')).join('\n');
    expect(text).toContain('Child protection file: Дмитрий Иванов');
    expect(text).toContain(r.dmitri.reference);
    expect(text).not.toContain(r.anna.reference);
    expect((await call(`concerns/${r.anna.concernId}/pupils/0/transfers`)).body.transfers).toEqual([]);
  });

  it("a subject access export for one child holds none of the other's records", async () => {
    const data = await exportOf('Дмитрий Иванов');
    expect(data.concerns.map((c) => c.reference)).toEqual([r.dmitri.reference]);
    expect(data.fileTransfers).toEqual([expect.objectContaining({ destinationSchool: 'Riverside High' })]);
    expect(JSON.stringify(data)).not.toContain('Anna disclosed');
    const anna = await exportOf('ПЕТРОВА Анна');
    expect(anna.concerns.map((c) => c.reference)).toEqual([r.anna.reference]);
    expect(anna.fileTransfers).toEqual([]);
  });
});

describe('"Łucja" and "Lucja" are one pupil', () => {
  it('links the concerns whichever way the name was typed', async () => {
    expect((await listConcernsSharingPupils(h.db, SCHOOL.tenantId, r.lucjaAccented.concernId)).map((c) => c.reference)).toEqual([r.lucjaPlain.reference]);
    const chronology = await call(`concerns/${r.lucjaPlain.concernId}/pupils/0/chronology`);
    expect(referencesOf(chronology.body)).toEqual([r.lucjaAccented.reference, r.lucjaPlain.reference].sort());
    expect((await exportOf('Lucja Nowak')).concerns.map((c) => c.reference).sort()).toEqual([r.lucjaAccented.reference, r.lucjaPlain.reference].sort());
  });
});

describe('a pupil named with no letters at all ("???")', () => {
  it('is linked to no other concern, and no export or filter finds it by that name', async () => {
    expect(await listConcernsSharingPupils(h.db, SCHOOL.tenantId, r.unknown1.concernId)).toEqual([]);
    expect(referencesOf((await call(`concerns/${r.unknown2.concernId}/pupils/0/chronology`)).body)).toEqual([r.unknown2.reference]);
    expect((await call(`concerns?pupil=${encodeURIComponent('???')}`)).body.concerns).toEqual([]);
    expect((await exportOf('???')).concerns).toEqual([]);
  });
});

describe('linking a second pupil whose name is in another script', () => {
  it('adds the pupil (it is not taken for the pupil already named)', async () => {
    const oleg = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Олег Сидоров', whatHappened: 'Oleg and a friend were approached online by an adult.' });
    expect((await call(`concerns/${oleg.concernId}/actions`, { method: 'POST', body: { kind: 'take-ownership', values: {} } })).status).toBe(200);
    const res = await call(`concerns/${oleg.concernId}/actions`, { method: 'POST', body: { kind: 'link', values: { linkPupils: 'Ольга Смирнова' } } });
    expect(res.body).toMatchObject({ message: 'Linked to other pupils or concerns' });
    expect((await h.app.concerns.get(h.db, SCHOOL.tenantId, oleg.concernId))?.pupils).toEqual(['Олег Сидоров', 'Ольга Смирнова']);
    expect((await exportOf('Ольга Смирнова')).concerns.map((c) => c.reference)).toEqual([oleg.reference]);
  });
});
