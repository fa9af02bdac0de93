import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { getAupVersion, listAupSends, replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { acknowledgeAup } from '../../src/services/aup-acknowledge';
import { buildAupRegister, getAupStatusForPerson, governorAupCounts, registerToCsv } from '../../src/services/aup-register';
import { importAupAcknowledgements } from '../../src/services/aup-import';
import { syncAudienceFromCsv } from '../../src/services/aup-audience';
import { parseCsv } from '../../src/domain/aup/csv';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { createTestDb, storeKind } from '../support/test-db';
import { personId, PUPIL_DRAFT, STAFF_DRAFT } from '../support/aup-fixtures';

const TENANT = 'aup-register-tenant';
const ADMIN = personId(999);
const [ALICE, BOB, CAROL] = [personId(1), personId(2), personId(3)];

describe(`AUP versions, register, import and export (${storeKind()})`, () => {
  let db: Db;
  let clock = new Date('2026-12-01T09:00:00Z');
  const now = () => clock;
  const deps = () => ({ db, now, rules: DEFAULT_AUP_RULES });

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
    await replaceAudienceMembers(db, TENANT, 'staff', [
      { personId: ALICE, aadObjectId: ALICE, displayName: 'Alice Able' },
      { personId: BOB, aadObjectId: BOB, displayName: 'Bob Baker' },
      { personId: CAROL, aadObjectId: CAROL, displayName: 'Carol Cole' },
    ], 'group', clock);
  });
  afterAll(() => db.close());

  it('versions are immutable, numbered per audience and hash-checked by the database', async () => {
    const first = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    expect(first.version.versionNumber).toBe(1);
    expect(first.queued).toBe(3);
    expect(first.version.contentHash).toMatch(/^[0-9a-f]{64}$/);
    await expect(db.query('UPDATE aup_versions SET body = $1 WHERE version_id = $2', ['changed', first.version.versionId])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM aup_versions WHERE version_id = $1', [first.version.versionId])).rejects.toThrow(/append-only/);
    // A row whose hash does not match its text cannot be stored, even by hand.
    await expect(
      db.query(`INSERT INTO aup_versions (tenant_id, version_id, audience, version_number, title, body, effective_on, content_hash, published_by) VALUES ($1, gen_random_uuid(), 'staff', 99, 'x', 'y', '2026-01-01', $2, 'me')`, [TENANT, first.version.contentHash]),
    ).rejects.toThrow(/content_hash does not match/);
    expect((await getAupVersion(db, TENANT, first.version.versionId))?.body).toBe(STAFF_DRAFT.body);
    // Publishing again makes version 2; each person has one 'ask' row per version.
    const sends = await listAupSends(db, TENANT, first.version.versionId);
    expect(sends.map((s) => s.purpose)).toEqual(['ask', 'ask', 'ask']);
  });

  it('register: current, outstanding, never asked; expiry after 12 months and on a new version', async () => {
    const [v1] = (await buildAupRegister(deps(), TENANT)).map((e) => e.latestVersionNumber);
    expect(v1).toBe(1);
    const version = (await getAupStatusForPerson(deps(), TENANT, ALICE))[0]!;
    expect(version.status).toBe('outstanding');
    const spoofed = await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: ALICE, name: 'Alice Able' }, versionId: version.versionId });
    expect(spoofed.kind).toBe('recorded');
    // Dave is in no audience and was sent nothing: his agreement is refused.
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: personId(4), name: 'Dave' }, versionId: version.versionId })).kind).toBe('not-for-you');
    // Pressing twice records once.
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: ALICE, name: 'Alice Able' }, versionId: version.versionId })).kind).toBe('already');

    let register = await buildAupRegister(deps(), TENANT);
    expect(register.map((e) => [e.displayName, e.status])).toEqual([['Alice Able', 'current'], ['Bob Baker', 'outstanding'], ['Carol Cole', 'outstanding']]);
    const ack = (await db.query<{ content_hash: string }>('SELECT content_hash FROM aup_acknowledgements WHERE person_id = $1', [ALICE]))[0]!;
    expect(ack.content_hash).toBe((await getAupVersion(db, TENANT, version.versionId))!.contentHash);

    // 12 months later to the minute: expired.
    clock = new Date('2027-12-01T09:00:00Z');
    register = await buildAupRegister(deps(), TENANT);
    expect(register.find((e) => e.personId === ALICE)).toMatchObject({ status: 'expired', expiredBecause: 'time' });
    clock = new Date('2026-12-02T09:00:00Z');
    expect((await buildAupRegister(deps(), TENANT)).find((e) => e.personId === ALICE)?.status).toBe('current');

    // A new version: Alice's acknowledgement no longer counts.
    const v2 = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: { ...STAFF_DRAFT, changeSummary: 'New section on AI tools.', body: `${STAFF_DRAFT.body}\nI will not put pupil data into AI tools.` }, publishedBy: ADMIN });
    expect(v2.version.versionNumber).toBe(2);
    expect(v2.replaced?.versionNumber).toBe(1);
    register = await buildAupRegister(deps(), TENANT);
    expect(register.find((e) => e.personId === ALICE)).toMatchObject({ status: 'expired', expiredBecause: 'new-version', lastAck: { versionNumber: 1 } });
    // Agreeing to the old version now shows the new one instead of recording anything.
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: BOB, name: 'Bob' }, versionId: version.versionId })).kind).toBe('superseded');
    expect((await acknowledgeAup({ db, now, validityMonths: 12 }, { tenantId: TENANT, person: { aadObjectId: ALICE, name: 'Alice Able' }, versionId: v2.version.versionId })).kind).toBe('recorded');
    const alice = (await getAupStatusForPerson(deps(), TENANT, ALICE))[0]!;
    expect(alice).toMatchObject({ status: 'current', versionNumber: 2, acknowledgedVersion: 2 });
    expect(alice.history.map((h) => h.versionNumber)).toEqual([2, 1]);
  });

  it('audience from CSV; acknowledgements imported from paper and forms; counts without names; CSV export', async () => {
    const synced = await syncAudienceFromCsv({ db, now }, { tenantId: TENANT, audience: 'pupils-ks2', csv: `person_id,name\n${personId(20)},Zoë Brown\nMIS-3001,Oliver O'Neil` });
    expect(synced).toEqual({ members: 2, problems: [] });
    const published = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: PUPIL_DRAFT, publishedBy: ADMIN });
    expect(published).toMatchObject({ queued: 1, offline: 1 });

    const bad = await importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv: 'person_id,name,audience,acknowledged_on,method\nX,Y,parents,2026-11-01,paper', importedBy: ADMIN });
    expect(bad.problems).toEqual(['line 2: no parents policy has been published']);

    // The staff policy has two versions by now: an empty version column cannot say which was signed.
    const ambiguous = await importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv: `person_id,name,audience,version,acknowledged_on,method\n${BOB},Bob Baker,staff,,2026-12-01,paper`, importedBy: ADMIN });
    expect(ambiguous).toEqual({ imported: 0, alreadyRecorded: 0, problems: ['line 2: the staff policy has 2 versions: put the version that was signed in the version column'] });

    const csv = `person_id,name,audience,version,acknowledged_on,method,signed_by\nMIS-3001,Oliver O'Neil,pupils-ks2,,2026-12-01,paper,\n${BOB},Bob Baker,staff,2,2026-12-01,online-form,`;
    expect(await importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv, importedBy: ADMIN })).toEqual({ imported: 2, alreadyRecorded: 0, problems: [] });
    expect(await importAupAcknowledgements({ db, now, timeZone: 'Europe/London' }, { tenantId: TENANT, csv, importedBy: ADMIN })).toEqual({ imported: 0, alreadyRecorded: 2, problems: [] });

    const register = await buildAupRegister(deps(), TENANT);
    expect(register.find((e) => e.personId === 'ext:MIS-3001')).toMatchObject({ status: 'current', lastAck: { method: 'paper' } });
    expect(register.find((e) => e.personId === BOB)).toMatchObject({ status: 'current', lastAck: { method: 'online-form', versionNumber: 2 } });

    expect(await governorAupCounts(deps(), TENANT)).toEqual([
      { audience: 'pupils-ks2', versionNumber: 1, current: 1, expired: 0, outstanding: 1, neverAsked: 0, total: 2 },
      { audience: 'staff', versionNumber: 2, current: 2, expired: 0, outstanding: 1, neverAsked: 0, total: 3 },
    ]);
    expect(JSON.stringify(await governorAupCounts(deps(), TENANT))).not.toMatch(/Alice|Bob|Zoë|Oliver/);

    const rows = parseCsv(registerToCsv(register, 'Europe/London'));
    expect(rows[0]).toEqual(['audience', 'person_id', 'name', 'status', 'latest_version', 'acknowledged_version', 'acknowledged_at', 'expires_at', 'method', 'signed_by', 'expired_because', 'history']);
    const alice = rows.find((r) => r[1] === ALICE)!;
    expect(alice.slice(0, 6)).toEqual(['staff', ALICE, 'Alice Able', 'current', '2', '2']);
    expect(alice[11]).toBe('v1 2026-12-01 teams; v2 2026-12-02 teams');
    expect(rows.find((r) => r[1] === 'ext:MIS-3001')?.[11]).toBe('v1 2026-12-01 paper');
  });
});
