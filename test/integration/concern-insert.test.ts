import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../src/store/db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { formatReference, type ConcernReport } from '../../src/domain/concerns/concern';
import { verifyChain } from '../../src/domain/concerns/chronology';
import { createTestDb, storeKind } from '../support/test-db';

// The intake's single-statement insert: the reference counter, the data key, the concern, its
// pupils and its first event are written together, and the reference is formatted in SQL.
describe(`concern insert (${storeKind()})`, () => {
  let db: Db;
  const cipher = new NarrativeCipher(new Map([['k1', randomBytes(32)]]), 'k1');
  const concerns = new ConcernRepository(cipher);
  const report: ConcernReport = {
    pupils: ['Amelia Okonkwo', 'Zoë Brown'],
    about: 'pupil',
    category: 'online-bullying',
    whatHappened: 'Messages in a class chat.',
    childWords: 'Nobody wants me there.',
    occurredOn: '2026-11-20',
    occurredTime: '10:15',
    location: 'Year 6 classroom',
    urgency: 'standard',
  };
  const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'A Teacher' };
  const insert = (tenantId: string, now: Date, concernId = randomUUID()) =>
    db.transaction((tx) => concerns.insert(tx, { tenantId, concernId, reporter, report, recipient: 'dsl-team', now }, { type: 'reported', actor: reporter, details: { category: report.category } }));

  beforeAll(async () => {
    db = await createTestDb();
    for (const t of ['t-insert-a', 't-insert-b']) await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'School') ON CONFLICT DO NOTHING`, [t]);
  });
  afterAll(() => db.close());

  it('numbers references per tenant and year, gap-free', async () => {
    const nov = new Date('2026-11-20T10:00:00Z');
    expect((await insert('t-insert-a', nov)).reference).toBe('C-2026-00001');
    expect((await insert('t-insert-a', nov)).reference).toBe('C-2026-00002');
    expect((await insert('t-insert-b', nov)).reference).toBe('C-2026-00001');
    expect((await insert('t-insert-a', new Date('2027-01-04T09:00:00Z'))).reference).toBe('C-2027-00001');
  });

  it('formats references past 99,999 as formatReference does (no truncation)', async () => {
    await db.query(`UPDATE concern_reference_counters SET last_value = 99998 WHERE tenant_id = 't-insert-b' AND year = 2026`);
    const now = new Date('2026-11-21T10:00:00Z');
    expect((await insert('t-insert-b', now)).reference).toBe(formatReference(2026, 99999));
    expect((await insert('t-insert-b', now)).reference).toBe(formatReference(2026, 100000));
  });

  it('stores the pupils in order and a first event that verifies, keyed and sealed', async () => {
    const concernId = randomUUID();
    await insert('t-insert-a', new Date('2026-11-20T11:00:00Z'), concernId);
    const stored = await concerns.get(db, 't-insert-a', concernId);
    expect(stored?.pupils).toEqual(['Amelia Okonkwo', 'Zoë Brown']);
    expect(stored?.childWords).toBe('Nobody wants me there.');
    const [row] = await db.query<{ event_count: number; head_hash: string; head_key_id: string; head_tag: string }>('SELECT event_count, head_hash, head_key_id, head_tag FROM concerns WHERE concern_id = $1', [concernId]);
    const events = await concerns.listStoredEvents(db, 't-insert-a', concernId);
    expect(events).toMatchObject([{ seq: 1, hashVersion: 2, keyId: 'k1', hash: row.head_hash }]);
    expect(row.head_key_id).toBe('k1');
    const recorded = { tenantId: 't-insert-a', concernId, count: row.event_count, headHash: row.head_hash, sealKeyId: row.head_key_id, sealTag: row.head_tag };
    expect(verifyChain(events, recorded, cipher.chronologyKeys())).toEqual({ ok: true, events: 1, headHash: row.head_hash, unkeyedEvents: 0 });
  });

  it('writes nothing, not even a reference number, when any part fails', async () => {
    const concernId = randomUUID();
    const now = new Date('2026-11-20T12:00:00Z');
    const before = (await insert('t-insert-a', now, concernId)).reference;
    await expect(insert('t-insert-a', now, concernId)).rejects.toMatchObject({ code: '23505' });
    const after = (await insert('t-insert-a', now)).reference;
    expect(after).toBe(formatReference(2026, Number(before.slice(-5)) + 1));
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM concern_events WHERE concern_id = $1', [concernId]);
    expect(n).toBe(1);
  });

  // The deliveries' outbox rows are part of the same statement: queued in order (the worker
  // sends a target's rows oldest first), and never without their concern.
  const withOutbox = (tenantId: string, concernId: string, submissionId?: string, routingInputs?: string) =>
    concerns.insert(
      db,
      { tenantId, concernId, reporter, report, recipient: 'dsl-team', submissionId, now: new Date('2026-11-22T09:00:00Z') },
      { type: 'reported', actor: reporter, details: {} },
      {
        outbox: [
          { tenantId, idempotencyKey: `concern:${concernId}:dsl-channel`, kind: 'concern.post-to-dsl-channel', targetKey: 'dsl-channel', payload: { concernId } },
          { tenantId, idempotencyKey: `concern:${concernId}:urgent-mention`, kind: 'concern.urgent-mention', targetKey: 'dsl-channel', payload: { concernId, n: 2 }, held: true },
        ],
        routingInputs,
      },
    );
  const outboxOf = (concernId: string) =>
    db.query<{ kind: string; status: string; payload: Record<string, unknown> }>(
      `SELECT kind, status, payload FROM outbox WHERE payload->>'concernId' = $1 ORDER BY outbox_id`,
      [concernId],
    );

  it('queues the outbox rows with the concern, in order, without a transaction', async () => {
    const concernId = randomUUID();
    await withOutbox('t-insert-a', concernId);
    expect(await outboxOf(concernId)).toEqual([
      { kind: 'concern.post-to-dsl-channel', status: 'pending', payload: { concernId } },
      { kind: 'concern.urgent-mention', status: 'held', payload: { concernId, n: 2 } },
    ]);
  });

  it('queues no outbox row when the concern is refused (a repeated submission)', async () => {
    const submissionId = randomUUID();
    await withOutbox('t-insert-a', randomUUID(), submissionId);
    const again = randomUUID();
    await expect(withOutbox('t-insert-a', again, submissionId)).rejects.toMatchObject({ code: '23505' });
    expect(await outboxOf(again)).toEqual([]);
  });
});
