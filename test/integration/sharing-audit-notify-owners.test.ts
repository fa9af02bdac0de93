// "Notify owners" at a trust's scale: thousands of owners, tens of thousands of findings. Each
// owner gets one digest, queued as a bulk notice; findings with nobody to tell are counted; and
// the work is done in a few statements whatever the number of owners (on the embedded store
// every statement runs on the bot's thread, so one per owner held the bot up for seconds).
import { findingIdFor, type Finding } from '../../src/domain/sharing/findings';
import type { Owner } from '../../src/domain/sharing/types';
import { notifyOwners, SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import type { Db } from '../../src/store/db';
import { setFindingStatus, upsertFindings } from '../../src/store/sharing-findings.repo';
import { createAuditRun } from '../../src/store/sharing-runs.repo';
import { createTestDb, storeKind } from '../support/test-db';

const tenantId = 'notify-owners-tenant';
const now = new Date('2026-11-22T06:00:00Z');
const OWNERS = 2_500;
const FINDINGS = 6_000;

function ownerOf(n: number): Owner {
  if (n % 500 === 7) return { id: null, displayName: null, email: null }; // nobody on record
  if (n % 500 === 9) return { id: null, displayName: 'Site library', email: 'library@school.org.uk' }; // no Entra id
  return { id: `owner-${n % OWNERS}`, displayName: `Owner ${n % OWNERS}`, email: null };
}

function finding(n: number): Finding {
  const itemId = `item-${n}`;
  return {
    id: findingIdFor(tenantId, 'drive-1', itemId),
    driveId: 'drive-1',
    itemId,
    name: `file-${n}.xlsx`,
    path: `/Documents/file-${n}.xlsx`,
    webUrl: null,
    isFolder: false,
    exposure: { scope: 'organization', linkType: 'view', permissionId: `perm-${n}`, viaItemId: itemId, expiresAt: null, hasPassword: false },
    exposedDescendants: 0,
    pupilData: { likely: false, reasons: [] },
    severity: n % 3 === 0 ? 'high' : 'medium',
    owner: ownerOf(n),
    exposureReason: 'r',
  };
}

/** The same store, counting the statements sent through it. */
function counting(db: Db): { db: Db; statements: () => number } {
  let n = 0;
  const wrap = (inner: Db): Db => ({
    kind: inner.kind,
    query: (text, params) => ((n += 1), inner.query(text, params)),
    exec: (sql) => ((n += 1), inner.exec(sql)),
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    close: () => inner.close(),
  });
  return { db: wrap(db), statements: () => n };
}

describe(`"Notify owners" for a trust (${storeKind()})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'Trust')`, [tenantId]);
    await createAuditRun(db, tenantId, 'run-1', 'full', now);
    const all = Array.from({ length: FINDINGS }, (_, n) => finding(n));
    for (let i = 0; i < all.length; i += 1000) await upsertFindings(db, tenantId, 'run-1', now, all.slice(i, i + 1000));
    // An accepted finding is not an open one: nobody is asked about it again.
    await setFindingStatus(db, tenantId, finding(0).id, { status: 'accepted', reason: 'Shared with the trust', byId: 'admin', byName: 'Admin', at: now });
  });
  afterAll(() => db.close());

  it('queues one digest per owner, counts the findings nobody can be told about, and takes a few statements', async () => {
    const counted = counting(db);
    const result = await notifyOwners(counted.db, tenantId, 'run-1', { remediationEnabled: true, now: () => now });

    const open = Array.from({ length: FINDINGS - 1 }, (_, i) => i + 1);
    const owners = new Set(open.map((n) => ownerOf(n).id).filter((id) => id !== null)).size;
    const unattributed = open.filter((n) => ownerOf(n).id === null).length;
    expect(owners).toBeGreaterThan(2_000);
    expect(result).toEqual({ owners, findings: open.length - unattributed, withoutOwner: unattributed });
    // Pages of 5,000 findings read and 5,000 notifications written (2 + 2), outbox rows 1,000 at a time (3).
    expect(counted.statements()).toBeLessThanOrEqual(7);

    const queued = await db.query<{ n: number; owners: number; bulk: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT target_key)::int AS owners, count(*) FILTER (WHERE priority > 0)::int AS bulk FROM outbox WHERE tenant_id = $1 AND kind = $2`,
      [tenantId, SHARING_AUDIT_OUTBOX_KINDS.ownerDigest],
    );
    expect(queued[0]).toEqual({ n: owners, owners, bulk: owners });
    const [listed] = await db.query<{ n: number; notifications: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT notification_id)::int AS notifications FROM owner_notifications WHERE tenant_id = $1`,
      [tenantId],
    );
    // The library's findings are recorded in its digest (it has an email) but nothing is sent to it.
    const libraryFindings = open.filter((n) => n % 500 === 9).length;
    expect(listed).toEqual({ n: open.length - unattributed + libraryFindings, notifications: owners + 1 });
  });

  it('sends nothing twice when the button is pressed again', async () => {
    const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND kind = $2`, [tenantId, SHARING_AUDIT_OUTBOX_KINDS.ownerDigest]))[0].n;
    const before = await count();
    const again = await notifyOwners(db, tenantId, 'run-1', { remediationEnabled: true, now: () => now });
    expect(again.owners).toBe(before);
    expect(await count()).toBe(before);
  });
});
