import type { Db } from './db';
import type { NarrativeCipher } from './narrative-cipher';
import { PUPIL_KEY_VERSION, pupilKeyHash, storedPupilKey } from '../domain/people/pupil-key';

// An arbitrary constant (next to migrate.ts's): two processes starting together take turns.
const REKEY_LOCK = 724_113_002;
const BATCH = 500;

/** What one re-keying changed: counts only, never names or keys (they are written to the store and the log). */
export interface PupilRekeyCounts {
  /** Schools brought up to date. */
  schools: number;
  /** Pupils of concerns whose key changed. */
  concernPupils: number;
  /** Pupils whose name could not be decrypted (their concern's master key is not configured): key kept. */
  unreadable: number;
  fileTransfers: number;
  accessLog: number;
  patternAlerts: number;
  /** Transfers, access-log entries and pattern alerts whose old key maps to no single new key: kept as they were. */
  unmapped: number;
}

/**
 * Brings every school's pupil keys to PUPIL_KEY_VERSION, once per school: run at start-up
 * (app.ts) and by the commands that look pupils up by key (export-pupil), before anything reads
 * a key.
 *
 * Names are sealed, so each concern's pupils are decrypted and their keys computed here, in
 * code. Keys stored without a name beside them are then mapped from old to new by the concerns'
 * own old and new keys: an access-log entry by its concern, a file transfer by the access-log
 * entry its export wrote in the same transaction, a pattern alert by its newest concern; failing
 * that by every concern of the school that had the old key. An old key whose concerns now have
 * different keys (the version-1 key "name:" was every pupil with a non-Latin name) cannot be
 * mapped: the entry is left as it was, and links to no current pupil.
 *
 * Each school is done in ONE transaction that also records its version (pupil_key_versions): a
 * crash half-way leaves that school as it was, and the next start does it again. Returns the
 * counts (all schools together), or undefined when every school was already up to date.
 */
export async function rekeyPupils(db: Db, cipher: NarrativeCipher): Promise<PupilRekeyCounts | undefined> {
  const pending = await schoolsNotCurrent(db);
  if (!pending.length) return undefined;
  const total: PupilRekeyCounts = { schools: 0, concernPupils: 0, unreadable: 0, fileTransfers: 0, accessLog: 0, patternAlerts: 0, unmapped: 0 };
  for (const tenantId of pending) {
    const counts = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REKEY_LOCK]);
      // Another process may have done it while this one waited.
      if (!(await schoolsNotCurrent(tx, tenantId)).length) return undefined;
      const counts: PupilRekeyCounts = { schools: 1, concernPupils: 0, unreadable: 0, fileTransfers: 0, accessLog: 0, patternAlerts: 0, unmapped: 0 };
      const keys = await rekeyConcernPupils(tx, cipher, tenantId, counts);
      await remapAccessLogAndTransfers(tx, keys, tenantId, counts);
      await remapPatternAlerts(tx, keys, tenantId, counts);
      const { schools: _one, ...recorded } = counts;
      await tx.query('INSERT INTO pupil_key_versions (tenant_id, version, counts) VALUES ($1, $2, $3)', [tenantId, PUPIL_KEY_VERSION, JSON.stringify(recorded)]);
      return counts;
    });
    if (!counts) continue;
    for (const k of Object.keys(total) as (keyof PupilRekeyCounts)[]) total[k] += counts[k];
  }
  return total.schools ? total : undefined;
}

async function schoolsNotCurrent(db: Db, tenantId?: string): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT t.tenant_id FROM tenants t
     WHERE ($2::text IS NULL OR t.tenant_id = $2)
       AND NOT EXISTS (SELECT 1 FROM pupil_key_versions v WHERE v.tenant_id = t.tenant_id AND v.version >= $1)
     ORDER BY t.tenant_id`,
    [PUPIL_KEY_VERSION, tenantId ?? null],
  );
  return rows.map((r) => r.tenant_id);
}

/** Old key → the new keys it became, by concern and by school. */
class KeyMap {
  private readonly byConcern = new Map<string, Set<string>>();
  private readonly byTenant = new Map<string, Set<string>>();

  add(tenantId: string, concernId: string, oldKey: string, newKey: string): void {
    for (const [map, id] of [[this.byConcern, `${tenantId}\u0000${concernId}\u0000${oldKey}`], [this.byTenant, `${tenantId}\u0000${oldKey}`]] as const) {
      map.set(id, (map.get(id) ?? new Set()).add(newKey));
    }
  }

  /** The one new key `oldKey` became (in `concernId` when given and known), or undefined. */
  map(tenantId: string, concernId: string | null, oldKey: string): string | undefined {
    const found = (concernId ? this.byConcern.get(`${tenantId}\u0000${concernId}\u0000${oldKey}`) : undefined) ?? this.byTenant.get(`${tenantId}\u0000${oldKey}`);
    return found?.size === 1 ? [...found][0] : undefined;
  }

  /** The school's old keys by their pattern-alert hash. */
  oldKeysByHash(): Map<string, { tenantId: string; oldKey: string }> {
    const out = new Map<string, { tenantId: string; oldKey: string }>();
    for (const id of this.byTenant.keys()) {
      const [tenantId, oldKey] = id.split('\u0000') as [string, string];
      out.set(pupilKeyHash(tenantId, oldKey), { tenantId, oldKey });
    }
    return out;
  }
}

interface PupilRow {
  tenant_id: string;
  concern_id: string;
  position: number;
  pupil_key: string;
  name_enc: string;
  wrapped_key: string | null;
}

async function rekeyConcernPupils(tx: Db, cipher: NarrativeCipher, tenantId: string, counts: PupilRekeyCounts): Promise<KeyMap> {
  const keys = new KeyMap();
  // Page by concern: a concern's pupils come together, so its data key is unwrapped once.
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await tx.query<{ concern_id: string }>(
      'SELECT concern_id::text AS concern_id FROM concerns WHERE tenant_id = $1 AND concern_id > $2::uuid ORDER BY concern_id LIMIT $3',
      [tenantId, after, BATCH],
    );
    if (!page.length) break;
    after = page.at(-1)!.concern_id;
    const rows = await tx.query<PupilRow>(
      `SELECT p.tenant_id, p.concern_id::text AS concern_id, p.position, p.pupil_key, p.name_enc, k.wrapped_key
       FROM concern_pupils p
       LEFT JOIN concern_keys k ON k.tenant_id = p.tenant_id AND k.concern_id = p.concern_id
       WHERE p.tenant_id = $1 AND p.concern_id = ANY($2::uuid[])
       ORDER BY p.concern_id, p.position`,
      [tenantId, page.map((c) => c.concern_id)],
    );
    const changes: { tenantId: string; concernId: string; position: number; key: string }[] = [];
    let dataKey: { concernId: string; key: Buffer | undefined } | undefined;
    for (const r of rows) {
      const position = Number(r.position);
      if (dataKey?.concernId !== r.concern_id) dataKey = { concernId: r.concern_id, key: unwrap(cipher, r) };
      const name = dataKey.key && decrypt(cipher, dataKey.key, r);
      let key: string;
      if (name === undefined) {
        counts.unreadable += 1;
        // Version 1's empty key linked every such pupil: unreadable, they are at least no longer linked.
        key = r.pupil_key === 'name:' ? storedPupilKey('', r.concern_id, position) : r.pupil_key;
      } else key = storedPupilKey(name, r.concern_id, position);
      keys.add(r.tenant_id, r.concern_id, r.pupil_key, key);
      if (key !== r.pupil_key) changes.push({ tenantId: r.tenant_id, concernId: r.concern_id, position, key });
    }
    if (changes.length) {
      await tx.query(
        `UPDATE concern_pupils p SET pupil_key = u.key
         FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[]) AS u(tenant_id, concern_id, position, key)
         WHERE p.tenant_id = u.tenant_id AND p.concern_id = u.concern_id AND p.position = u.position`,
        [changes.map((c) => c.tenantId), changes.map((c) => c.concernId), changes.map((c) => c.position), changes.map((c) => c.key)],
      );
      counts.concernPupils += changes.length;
    }
  }
  return keys;
}

function unwrap(cipher: NarrativeCipher, r: PupilRow): Buffer | undefined {
  try {
    return r.wrapped_key ? cipher.unwrapDataKey(r.wrapped_key, r.tenant_id) : undefined;
  } catch {
    return undefined;
  }
}

function decrypt(cipher: NarrativeCipher, dataKey: Buffer, r: PupilRow): string | undefined {
  try {
    return cipher.decrypt(dataKey, r.name_enc, r.tenant_id);
  } catch {
    return undefined;
  }
}

async function remapAccessLogAndTransfers(tx: Db, keys: KeyMap, tenantId: string, counts: PupilRekeyCounts): Promise<void> {
  // Read both before changing either: a transfer is matched to its concern through the
  // access-log entry its export wrote (same school, actor, moment and key).
  const transfers = await tx.query<{ tenant_id: string; transfer_id: string; pupil_key: string; concern_ids: string[] | null }>(
    `SELECT t.tenant_id, t.transfer_id::text AS transfer_id, t.pupil_key,
       ARRAY(SELECT DISTINCT l.concern_id::text FROM tab_access_log l
             WHERE l.tenant_id = t.tenant_id AND l.action = 'pupil.file.export' AND l.outcome = 'allowed'
               AND l.actor_aad_id = t.exported_by AND l.at = t.exported_at AND l.pupil_key = t.pupil_key AND l.concern_id IS NOT NULL
               -- Only when no other transfer of that key was made by the same person at the same moment.
               AND NOT EXISTS (SELECT 1 FROM pupil_file_transfers o WHERE o.tenant_id = t.tenant_id AND o.transfer_id <> t.transfer_id
                                 AND o.exported_by = t.exported_by AND o.exported_at = t.exported_at AND o.pupil_key = t.pupil_key)) AS concern_ids
     FROM pupil_file_transfers t WHERE t.tenant_id = $1`,
    [tenantId],
  );
  const entries = await tx.query<{ log_id: string; tenant_id: string; concern_id: string | null; pupil_key: string }>(
    'SELECT log_id::text AS log_id, tenant_id, concern_id::text AS concern_id, pupil_key FROM tab_access_log WHERE tenant_id = $1 AND pupil_key IS NOT NULL',
    [tenantId],
  );

  const transferChanges: { id: string; key: string }[] = [];
  for (const t of transfers) {
    const concernId = t.concern_ids?.length === 1 ? t.concern_ids[0]! : null;
    const key = keys.map(t.tenant_id, concernId, t.pupil_key);
    if (key === undefined) counts.unmapped += 1;
    else if (key !== t.pupil_key) transferChanges.push({ id: t.transfer_id, key });
  }
  const logChanges: { id: string; key: string }[] = [];
  for (const e of entries) {
    const key = keys.map(e.tenant_id, e.concern_id, e.pupil_key);
    if (key === undefined) counts.unmapped += 1;
    else if (key !== e.pupil_key) logChanges.push({ id: e.log_id, key });
  }

  for (let i = 0; i < transferChanges.length; i += BATCH) {
    const batch = transferChanges.slice(i, i + BATCH);
    await tx.query(
      `UPDATE pupil_file_transfers t SET pupil_key = u.key FROM unnest($2::uuid[], $3::text[]) AS u(transfer_id, key)
       WHERE t.tenant_id = $1 AND t.transfer_id = u.transfer_id`,
      [tenantId, batch.map((c) => c.id), batch.map((c) => c.key)],
    );
  }
  for (let i = 0; i < logChanges.length; i += BATCH) {
    const batch = logChanges.slice(i, i + BATCH);
    await tx.query('UPDATE tab_access_log l SET pupil_key = u.key FROM unnest($2::bigint[], $3::text[]) AS u(log_id, key) WHERE l.tenant_id = $1 AND l.log_id = u.log_id', [tenantId, batch.map((c) => c.id), batch.map((c) => c.key)]);
  }
  counts.fileTransfers += transferChanges.length;
  counts.accessLog += logChanges.length;
}

/**
 * pattern_alerts holds a hash of the key: re-hashed, so an alert already sent is not sent again.
 * A hash of no key a concern had (its concerns purged) or of an ambiguous one is left.
 */
async function remapPatternAlerts(tx: Db, keys: KeyMap, tenantId: string, counts: PupilRekeyCounts): Promise<void> {
  const byHash = keys.oldKeysByHash();
  const alerts = await tx.query<{ tenant_id: string; pupil_hash: string; newest_concern_id: string }>(
    'SELECT tenant_id, pupil_hash, newest_concern_id::text AS newest_concern_id FROM pattern_alerts WHERE tenant_id = $1',
    [tenantId],
  );
  for (const a of alerts) {
    const old = byHash.get(a.pupil_hash);
    if (!old || old.tenantId !== a.tenant_id) {
      counts.unmapped += 1;
      continue;
    }
    const key = keys.map(a.tenant_id, a.newest_concern_id, old.oldKey);
    if (key === undefined) {
      counts.unmapped += 1;
      continue;
    }
    const hash = pupilKeyHash(a.tenant_id, key);
    if (hash === a.pupil_hash) continue;
    // Two old keys may become one (a concern naming "Łucja" and "Lucja"): keep one row.
    await tx.query(
      `INSERT INTO pattern_alerts (tenant_id, pupil_hash, newest_concern_id, concern_count, created_at)
       SELECT tenant_id, $3, newest_concern_id, concern_count, created_at FROM pattern_alerts WHERE tenant_id = $1 AND pupil_hash = $2 AND newest_concern_id = $4::uuid
       ON CONFLICT DO NOTHING`,
      [a.tenant_id, a.pupil_hash, hash, a.newest_concern_id],
    );
    await tx.query('DELETE FROM pattern_alerts WHERE tenant_id = $1 AND pupil_hash = $2 AND newest_concern_id = $3::uuid', [a.tenant_id, a.pupil_hash, a.newest_concern_id]);
    counts.patternAlerts += 1;
  }
}
