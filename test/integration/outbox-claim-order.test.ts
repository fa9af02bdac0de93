// The order in which the outbox worker claims messages: one per conversation, oldest first
// within a conversation, and every due safeguarding message before any bulk notice. A sharing
// audit's "Notify owners" queues a digest per file owner (thousands in a trust); a concern
// reported a minute later must reach the DSL channel on the next claim, not after them.
import { deliveryMessages, DSL_CHANNEL_TARGET, OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import { queueAuditSummaryToAdmins, SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import type { Db } from '../../src/store/db';
import { claimDueOutbox, enqueueOutbox, type NewOutboxMessage } from '../../src/store/outbox.repo';
import { assignRole, upsertTenant } from '../../src/store/tenant.repo';
import { createTestDb, storeKind } from '../support/test-db';

const TENANT = '0c1a0000-0000-4000-8000-00000000c1a0';
const LEASE_MS = 60_000;

const digestTo = (n: number): NewOutboxMessage => ({
  tenantId: TENANT,
  idempotencyKey: `sharing-audit:owner:n-${n}`,
  kind: SHARING_AUDIT_OUTBOX_KINDS.ownerDigest,
  targetKey: userTarget(`owner-${n}`),
  payload: { notificationId: `n-${n}` },
  bulk: true,
});

const concernToChannel = (concernId: string): NewOutboxMessage => ({
  tenantId: TENANT,
  idempotencyKey: `concern:${concernId}:channel`,
  kind: OUTBOX_KINDS.concernToChannel,
  targetKey: DSL_CHANNEL_TARGET,
  payload: { concernId },
});

describe(`outbox claim order (${storeKind()})`, () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Claim Order School', timeZone: 'Europe/London' });
  });
  afterEach(() => db.close());

  /** Makes every queued message due at `at`, in the order they were queued (as a queue a minute old). */
  const dueFrom = (at: Date) => db.query(`UPDATE outbox SET next_attempt_at = $1::timestamptz + make_interval(secs => outbox_id::double precision / 1000)`, [at]);

  it('claims a concern queued after a long run of owner digests before any digest', async () => {
    for (let n = 0; n < 30; n++) await enqueueOutbox(db, digestTo(n));
    const queuedAt = new Date(Date.now() - 60_000);
    await dueFrom(queuedAt);
    await enqueueOutbox(db, concernToChannel('c-late'));

    const claimed = await claimDueOutbox(db, new Date(), 10, LEASE_MS);
    expect(claimed).toHaveLength(10);
    expect(claimed.filter((m) => m.kind === OUTBOX_KINDS.concernToChannel).map((m) => m.payload.concernId)).toEqual(['c-late']);
    // The rest of the claim is the oldest digests, in the order they were queued.
    expect(claimed.filter((m) => m.kind !== OUTBOX_KINDS.concernToChannel).map((m) => m.payload.notificationId)).toEqual(
      Array.from({ length: 9 }, (_, n) => `n-${n}`),
    );
  });

  it('still sends the digests, oldest first, once no safeguarding message is due', async () => {
    for (let n = 0; n < 12; n++) await enqueueOutbox(db, digestTo(n));
    const first = await claimDueOutbox(db, new Date(), 10, LEASE_MS);
    const second = await claimDueOutbox(db, new Date(), 10, LEASE_MS);
    expect([...first, ...second].map((m) => m.payload.notificationId)).toEqual(Array.from({ length: 12 }, (_, n) => `n-${n}`));
  });

  it("queues the sharing audit's summaries to the admins as bulk notices", async () => {
    for (const admin of ['admin-1', 'admin-2', 'admin-3']) await assignRole(db, TENANT, 'admin', admin);
    expect(await queueAuditSummaryToAdmins(db, TENANT, 'run-1', { remediationEnabled: false })).toBe(3);
    await dueFrom(new Date(Date.now() - 60_000));
    await enqueueOutbox(db, concernToChannel('c-after-audit'));

    const [next] = await claimDueOutbox(db, new Date(), 1, LEASE_MS);
    expect(next).toMatchObject({ kind: OUTBOX_KINDS.concernToChannel, payload: { concernId: 'c-after-audit' } });
  });

  it('keeps a conversation in order: a safeguarding message waits for the digest sent to the same person before it', async () => {
    await enqueueOutbox(db, digestTo(1));
    await enqueueOutbox(db, { ...concernToChannel('c-to-owner'), idempotencyKey: 'concern:c-to-owner:person', kind: OUTBOX_KINDS.concernToPerson, targetKey: userTarget('owner-1') });

    const claimed = await claimDueOutbox(db, new Date(), 10, LEASE_MS);
    expect(claimed.map((m) => m.kind)).toEqual([SHARING_AUDIT_OUTBOX_KINDS.ownerDigest]);
  });

  it('finds a message due to a claim made in the same millisecond as it was queued', async () => {
    // The store's clock has microseconds, a Date milliseconds: a message stamped 12:00:00.000400
    // was not due to a claim at 12:00:00.000 and waited for the next poll.
    for (let n = 0; n < 20; n++) {
      await enqueueOutbox(db, concernToChannel(`c-same-ms-${n}`));
      const claimed = await claimDueOutbox(db, new Date(), 1, LEASE_MS);
      expect(claimed.map((m) => m.payload.concernId)).toEqual([`c-same-ms-${n}`]);
      await db.query(`UPDATE outbox SET status = 'sent' WHERE outbox_id = $1`, [claimed[0]!.outboxId]);
    }
  });

  it('after an outage, claims an urgent concern ahead of a backlog of ordinary safeguarding messages larger than one batch', async () => {
    // The backlog: 25 ordinary concern copies to 25 people (priority safeguarding), queued first.
    for (let n = 0; n < 25; n++) {
      const [copy] = deliveryMessages(TENANT, `c-old-${n}`, { to: 'person', role: 'dpo', aadObjectId: `dpo-${n}`, view: 'full' }, true, false);
      await enqueueOutbox(db, copy!);
    }
    await dueFrom(new Date(Date.now() - 60_000));
    // Then an urgent concern for the DSL channel (its card and the @mention under it), and an
    // urgent concern about an adult for the headteacher alongside a DPO's copy (not urgent).
    for (const m of deliveryMessages(TENANT, 'c-urgent', { to: 'dsl-channel', mentionAllDsls: true }, true, true)) await enqueueOutbox(db, m);
    for (const m of deliveryMessages(TENANT, 'c-urgent-adult', { to: 'person', role: 'headteacher', aadObjectId: 'head', view: 'full' }, true, true)) await enqueueOutbox(db, m);
    for (const m of deliveryMessages(TENANT, 'c-urgent-adult', { to: 'person', role: 'dpo', aadObjectId: 'dpo-new', view: 'full' }, true, true)) await enqueueOutbox(db, m);

    const claimed = await claimDueOutbox(db, new Date(), 10, LEASE_MS);
    expect(claimed).toHaveLength(10);
    // Urgent first, in the order queued (the @mention waits for its card, in the same conversation)...
    expect(claimed.slice(0, 2).map((m) => [m.kind, m.payload.concernId, m.urgent])).toEqual([
      [OUTBOX_KINDS.concernToChannel, 'c-urgent', true],
      [OUTBOX_KINDS.concernToPerson, 'c-urgent-adult', true],
    ]);
    // ...then the oldest of the backlog; the DPO's copy of the new concern is not urgent, so it waits its turn.
    expect(claimed.slice(2).map((m) => m.payload.concernId)).toEqual(Array.from({ length: 8 }, (_, n) => `c-old-${n}`));
  });
});
