// Several app instances on one PostgreSQL server claim from the same outbox. A message one
// worker has just claimed must not be claimed again by another whose statement started before
// that claim committed: both would post the concern (and the second copy would carry no
// "possible repeat" notice). PGlite has one connection, so only PostgreSQL can race.
import { DSL_CHANNEL_TARGET, OUTBOX_KINDS, userTarget } from '../../src/services/report-concern';
import type { Db } from '../../src/store/db';
import { claimDueOutbox, enqueueOutboxMany, type NewOutboxMessage } from '../../src/store/outbox.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { createTestDb, storeKind } from '../support/test-db';

const TENANT = '0c1a0000-0000-4000-8000-00000000c1a1';
const run = storeKind() === 'postgres' ? describe : describe.skip;

run('outbox claims by concurrent workers (postgres)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Claim Race School', timeZone: 'Europe/London' });
  });
  afterAll(() => db?.close());

  it('never hands the same message to two workers', async () => {
    const messages: NewOutboxMessage[] = Array.from({ length: 2_000 }, (_, i) => ({
      tenantId: TENANT,
      idempotencyKey: `concern:c-${i}:to-user`,
      kind: OUTBOX_KINDS.concernToChannel,
      targetKey: i === 0 ? DSL_CHANNEL_TARGET : userTarget(`user-${i}`),
      payload: { concernId: `c-${i}` },
    }));
    await enqueueOutboxMany(db, TENANT, messages);
    const claimedBy = new Map<number, number>();
    const doubled: number[] = [];
    const later = new Date(Date.now() + 60_000);
    for (let round = 0; round < 400 && claimedBy.size < messages.length; round++) {
      // Two workers at once, each on its own connection from the pool.
      const claims = await Promise.all([0, 1].map(() => claimDueOutbox(db, later, 10, 600_000)));
      claims.forEach((claimed, worker) => {
        for (const m of claimed) {
          if (claimedBy.has(m.outboxId)) doubled.push(m.outboxId);
          claimedBy.set(m.outboxId, worker);
        }
      });
    }
    expect(doubled).toEqual([]);
    expect(claimedBy.size).toBe(messages.length);
    const [{ n }] = await db.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE tenant_id = $1 AND attempts <> 1", [TENANT]);
    expect(Number(n)).toBe(0);
  });
});
