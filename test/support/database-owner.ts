import type { Db } from '../../src/store/db';
import { GENESIS_HASH, hashEvent } from '../../src/domain/concerns/chronology';

// A database owner without the master keys, at work on the chronology: what the keyed chain and
// a checkpoint must show.

/** Runs `edit` with the append-only trigger switched off, as an owner may, then switches it on again. */
export async function asDatabaseOwner(db: Db, edit: () => Promise<void>): Promise<void> {
  await db.exec('ALTER TABLE concern_events DISABLE TRIGGER USER');
  try {
    await edit();
  } finally {
    await db.exec('ALTER TABLE concern_events ENABLE TRIGGER USER');
  }
}

/** Recomputes every link from `fromSeq` on with plain SHA-256 (the published algorithm) and the concern row's head. */
export async function rehashWithSha256(db: Db, concernId: string, fromSeq: number): Promise<void> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM concern_events WHERE concern_id = $1 ORDER BY seq', [concernId]);
  let prev = fromSeq === 1 ? GENESIS_HASH : (rows[fromSeq - 2].hash as string);
  for (const r of rows.slice(fromSeq - 1)) {
    const hash = hashEvent(prev, {
      tenantId: r.tenant_id as string,
      concernId,
      seq: Number(r.seq),
      type: r.event_type as string,
      actorAadId: r.actor_aad_id as string,
      actorName: r.actor_name as string,
      occurredAt: new Date(r.occurred_at as string),
      detailsSealed: r.details_enc as string,
    });
    await db.query('UPDATE concern_events SET prev_hash = $3, hash = $4 WHERE concern_id = $1 AND seq = $2', [concernId, r.seq, prev, hash]);
    prev = hash;
  }
  await db.query('UPDATE concerns SET event_count = $2, head_hash = $3 WHERE concern_id = $1', [concernId, rows.length, prev]);
}
