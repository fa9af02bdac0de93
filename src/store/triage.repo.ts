import type { Db } from './db';
import type { ConcernAbout, ConcernStatus, RecipientRole, Urgency } from '../domain/concerns/concern';
import type { RiskLevel, TriageState } from '../domain/concerns/triage';

/** What triage reads of a concern, locked for the rest of the caller's transaction. */
export interface TriageRow {
  tenantId: string;
  concernId: string;
  reference: string;
  about: ConcernAbout;
  urgency: Urgency;
  recipient: RecipientRole;
  reporterAadId: string;
  createdAt: Date;
  eventCount: number;
  state: TriageState;
}

/** A concerns row (at least TRIAGE_COLUMNS) as triage reads it. */
export function toTriageRow(r: Record<string, unknown>): TriageRow {
  const ownerAadId = r.owner_aad_id as string | null;
  return {
    tenantId: r.tenant_id as string,
    concernId: r.concern_id as string,
    reference: r.reference as string,
    about: r.about as ConcernAbout,
    urgency: r.urgency as Urgency,
    recipient: r.recipient as RecipientRole,
    reporterAadId: r.reporter_aad_id as string,
    createdAt: new Date(r.created_at as string),
    eventCount: Number(r.event_count),
    state: {
      status: r.status as ConcernStatus,
      owner: ownerAadId ? { aadObjectId: ownerAadId, name: (r.owner_name as string | null) ?? 'a DSL' } : undefined,
      riskLevel: (r.risk_level as RiskLevel | null) ?? undefined,
    },
  };
}

const TRIAGE_COLUMNS = 'tenant_id, concern_id, reference, about, urgency, recipient, reporter_aad_id, created_at, event_count, status, owner_aad_id, owner_name, risk_level';

/**
 * Locks the concern row (FOR UPDATE) and returns its triage state. Every triage change takes
 * this lock first, so concurrent actions on one concern apply one after the other and each
 * decides on the state the previous one committed: the first claim wins, deterministically.
 */
export async function lockConcernForTriage(tx: Db, tenantId: string, concernId: string): Promise<TriageRow | undefined> {
  const [row] = await tx.query<Record<string, unknown>>(`SELECT ${TRIAGE_COLUMNS} FROM concerns WHERE tenant_id = $1 AND concern_id = $2 FOR UPDATE`, [tenantId, concernId]);
  return row && toTriageRow(row);
}

export async function getTriageRow(db: Db, tenantId: string, concernId: string): Promise<TriageRow | undefined> {
  const [row] = await db.query<Record<string, unknown>>(`SELECT ${TRIAGE_COLUMNS} FROM concerns WHERE tenant_id = $1 AND concern_id = $2`, [tenantId, concernId]);
  return row && toTriageRow(row);
}

export async function saveTriageState(tx: Db, tenantId: string, concernId: string, state: TriageState, now: Date): Promise<void> {
  await tx.query('UPDATE concerns SET status = $3, owner_aad_id = $4, owner_name = $5, risk_level = $6, updated_at = $7 WHERE tenant_id = $1 AND concern_id = $2', [
    tenantId,
    concernId,
    state.status,
    state.owner?.aadObjectId ?? null,
    state.owner?.name ?? null,
    state.riskLevel ?? null,
    now,
  ]);
}

/** The concern an action id was applied to, if it was. */
export async function findAppliedAction(db: Db, tenantId: string, actionId: string): Promise<{ concernId: string; verb: string } | undefined> {
  const [row] = await db.query<{ concern_id: string; verb: string }>('SELECT concern_id, verb FROM triage_actions WHERE tenant_id = $1 AND action_id = $2', [tenantId, actionId]);
  return row && { concernId: row.concern_id, verb: row.verb };
}

/** Records an applied action id; the primary key refuses the same id twice. */
export async function recordAppliedAction(tx: Db, a: { tenantId: string; actionId: string; concernId: string; actorAadId: string; verb: string; eventSeq: number; now: Date }): Promise<void> {
  await tx.query('INSERT INTO triage_actions (tenant_id, action_id, concern_id, actor_aad_id, verb, event_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    a.tenantId,
    a.actionId,
    a.concernId,
    a.actorAadId,
    a.verb,
    a.eventSeq,
    a.now,
  ]);
}

export interface ConcernRef {
  concernId: string;
  reference: string;
  status: ConcernStatus;
  recipient: RecipientRole;
  createdAt: Date;
}

function toRef(r: Record<string, unknown>): ConcernRef {
  return {
    concernId: r.concern_id as string,
    reference: r.reference as string,
    status: r.status as ConcernStatus,
    recipient: r.recipient as RecipientRole,
    createdAt: new Date(r.created_at as string),
  };
}

export async function findConcernsByReference(db: Db, tenantId: string, references: readonly string[]): Promise<ConcernRef[]> {
  if (!references.length) return [];
  const rows = await db.query<Record<string, unknown>>(
    'SELECT concern_id, reference, status, recipient, created_at FROM concerns WHERE tenant_id = $1 AND reference = ANY($2::text[])',
    [tenantId, [...references]],
  );
  return rows.map(toRef);
}

export async function findConcernByReference(db: Db, tenantId: string, reference: string): Promise<ConcernRef | undefined> {
  return (await findConcernsByReference(db, tenantId, [reference]))[0];
}

export async function linkConcerns(tx: Db, tenantId: string, concernId: string, linkedIds: readonly string[], linkedBy: string, now: Date): Promise<void> {
  for (const linked of linkedIds) {
    await tx.query(
      `INSERT INTO concern_links (tenant_id, concern_id, linked_concern_id, linked_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [tenantId, concernId, linked, linkedBy, now],
    );
  }
}

/** Concerns linked to this one, either way round, restricted to the same recipient (no leak across). */
export async function listLinkedConcerns(db: Db, tenantId: string, concernId: string, recipient: RecipientRole): Promise<ConcernRef[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT c.concern_id, c.reference, c.status, c.recipient, c.created_at FROM concerns c
     WHERE c.tenant_id = $1 AND c.recipient = $3 AND c.concern_id IN (
       SELECT linked_concern_id FROM concern_links WHERE tenant_id = $1 AND concern_id = $2
       UNION SELECT concern_id FROM concern_links WHERE tenant_id = $1 AND linked_concern_id = $2)
     ORDER BY c.created_at`,
    [tenantId, concernId, recipient],
  );
  return rows.map(toRef);
}

/**
 * The per-pupil view: other concerns for the DSL team about any pupil of this one (same
 * roster id or normalised name). Concerns about adults are never included.
 */
export async function listConcernsSharingPupils(db: Db, tenantId: string, concernId: string): Promise<ConcernRef[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT DISTINCT c.concern_id, c.reference, c.status, c.recipient, c.created_at FROM concerns c
     JOIN concern_pupils p ON p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id
     WHERE c.tenant_id = $1 AND c.recipient = 'dsl-team' AND c.concern_id <> $2
       AND p.pupil_key IN (SELECT pupil_key FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2)
     ORDER BY c.created_at`,
    [tenantId, concernId],
  );
  return rows.map(toRef);
}

export interface PupilPattern {
  pupilKey: string;
  concernIds: string[];
  references: string[];
  newestConcernId: string;
  /** Where the pupil's name can be read (decrypted) for the alert. */
  sample: { concernId: string; position: number };
}

/**
 * Pupils (by key) with at least `threshold` DSL-team concerns created since `since`. `keys`
 * narrows the search to the pupils just reported or linked.
 */
export async function findPupilPatterns(db: Db, tenantId: string, keys: readonly string[], since: Date, threshold: number): Promise<PupilPattern[]> {
  if (!keys.length) return [];
  const rows = await db.query<{ pupil_key: string; concern_id: string; reference: string; position: number; created_at: string }>(
    `SELECT p.pupil_key, c.concern_id, c.reference, p.position, c.created_at FROM concern_pupils p
     JOIN concerns c ON c.tenant_id = p.tenant_id AND c.concern_id = p.concern_id
     WHERE p.tenant_id = $1 AND p.pupil_key = ANY($2::text[]) AND c.recipient = 'dsl-team' AND c.created_at >= $3
     ORDER BY p.pupil_key, c.created_at, c.reference`,
    [tenantId, [...keys], since],
  );
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) byKey.set(r.pupil_key, [...(byKey.get(r.pupil_key) ?? []), r]);
  const patterns: PupilPattern[] = [];
  for (const [pupilKey, list] of byKey) {
    const unique = [...new Map(list.map((r) => [r.concern_id, r])).values()];
    if (unique.length < threshold) continue;
    const newest = unique[unique.length - 1];
    patterns.push({
      pupilKey,
      concernIds: unique.map((r) => r.concern_id),
      references: unique.map((r) => r.reference),
      newestConcernId: newest.concern_id,
      sample: { concernId: newest.concern_id, position: Number(newest.position) },
    });
  }
  return patterns;
}

/** Pupil keys of DSL-team concerns created at or after `since` (the pattern scan's new work). */
export async function listPupilKeysSince(db: Db, tenantId: string, since: Date): Promise<string[]> {
  const rows = await db.query<{ pupil_key: string }>(
    `SELECT DISTINCT p.pupil_key FROM concern_pupils p JOIN concerns c ON c.tenant_id = p.tenant_id AND c.concern_id = p.concern_id
     WHERE p.tenant_id = $1 AND c.recipient = 'dsl-team' AND c.created_at >= $2`,
    [tenantId, since],
  );
  return rows.map((r) => r.pupil_key);
}

export async function listPupilKeys(db: Db, tenantId: string, concernId: string): Promise<string[]> {
  const rows = await db.query<{ pupil_key: string }>('SELECT pupil_key FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2 ORDER BY position', [tenantId, concernId]);
  return rows.map((r) => r.pupil_key);
}

/** Records that a pattern alert went out; false if this one was already sent. */
export async function recordPatternAlert(tx: Db, tenantId: string, pupilHash: string, newestConcernId: string, count: number, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO pattern_alerts (tenant_id, pupil_hash, newest_concern_id, concern_count, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [tenantId, pupilHash, newestConcernId, count, now],
  );
  return rows.length > 0;
}

export async function listTenantIds(db: Db): Promise<string[]> {
  return (await db.query<{ tenant_id: string }>('SELECT tenant_id FROM tenants ORDER BY tenant_id')).map((r) => r.tenant_id);
}

// ---- people given access to a concern about an adult ----

export interface Participant {
  aadObjectId: string;
  displayName?: string;
}

export async function addParticipant(tx: Db, tenantId: string, concernId: string, p: Participant, addedBy: string, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO concern_participants (tenant_id, concern_id, aad_object_id, display_name, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [tenantId, concernId, p.aadObjectId, p.displayName ?? null, addedBy, now],
  );
}

/** The stored grant of access to one person, with who gave it and when (what a withdrawal records). */
export async function findParticipantGrant(db: Db, tenantId: string, concernId: string, aadObjectId: string): Promise<(Participant & { addedBy: string; addedAt: Date }) | undefined> {
  const [row] = await db.query<{ aad_object_id: string; display_name: string | null; added_by: string; added_at: string | Date }>(
    'SELECT aad_object_id, display_name, added_by, added_at FROM concern_participants WHERE tenant_id = $1 AND concern_id = $2 AND aad_object_id = $3',
    [tenantId, concernId, aadObjectId],
  );
  return row && { aadObjectId: row.aad_object_id, displayName: row.display_name ?? undefined, addedBy: row.added_by, addedAt: new Date(row.added_at) };
}

/** Takes a grant away; who gave and who withdrew it stay in the chronology, not here. */
export async function removeParticipant(tx: Db, tenantId: string, concernId: string, aadObjectId: string): Promise<void> {
  await tx.query('DELETE FROM concern_participants WHERE tenant_id = $1 AND concern_id = $2 AND aad_object_id = $3', [tenantId, concernId, aadObjectId]);
}

/**
 * The copies of the concern queued for this person so far (`kind`): `none`; `on-its-way` (one is
 * still to be sent, or one reached their chat: a card update shows it again); or `undelivered`
 * (every one ended without reaching them: their access was withdrawn before it went out). Given
 * access again, someone with an undelivered copy needs a new one, which the old row's
 * idempotency key would otherwise swallow.
 */
export async function participantCopyState(db: Db, tenantId: string, concernId: string, aadObjectId: string, kind: string): Promise<'none' | 'on-its-way' | 'undelivered'> {
  const [row] = await db.query<{ copies: number; on_its_way: number }>(
    `SELECT count(*)::int AS copies,
            count(*) FILTER (WHERE status IN ('pending', 'sending', 'held') OR (status = 'sent' AND coalesce(result->>'activityId', '') <> ''))::int AS on_its_way
       FROM outbox WHERE tenant_id = $1 AND kind = $2 AND payload->>'concernId' = $3 AND payload->>'aadObjectId' = $4`,
    [tenantId, kind, concernId, aadObjectId],
  );
  if (!row || Number(row.copies) === 0) return 'none';
  return Number(row.on_its_way) > 0 ? 'on-its-way' : 'undelivered';
}

export async function isParticipant(db: Db, tenantId: string, concernId: string, aadObjectId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM concern_participants WHERE tenant_id = $1 AND concern_id = $2 AND aad_object_id = $3', [tenantId, concernId, aadObjectId])).length > 0;
}

/** Whether someone has been given access to any concern about an adult (they list it in the tab). */
export async function hasAnyConcernAccess(db: Db, tenantId: string, aadObjectId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM concern_participants WHERE tenant_id = $1 AND aad_object_id = $2 LIMIT 1', [tenantId, aadObjectId])).length > 0;
}

export async function listParticipants(db: Db, tenantId: string, concernId: string): Promise<Participant[]> {
  const rows = await db.query<{ aad_object_id: string; display_name: string | null }>(
    'SELECT aad_object_id, display_name FROM concern_participants WHERE tenant_id = $1 AND concern_id = $2 ORDER BY added_at, aad_object_id',
    [tenantId, concernId],
  );
  return rows.map((r) => ({ aadObjectId: r.aad_object_id, displayName: r.display_name ?? undefined }));
}

/**
 * Someone Jigsaw can reach personally (they have chatted with it), by Entra object id: whether
 * they may be given access. Looked up by id, never in a list that may have been cut short.
 */
export async function findReachablePerson(db: Db, tenantId: string, aadObjectId: string): Promise<Participant | undefined> {
  const [row] = await db.query<{ aad_object_id: string; display_name: string | null }>(
    'SELECT aad_object_id, display_name FROM personal_conversations WHERE tenant_id = $1 AND aad_object_id = $2',
    [tenantId, aadObjectId],
  );
  return row && { aadObjectId: row.aad_object_id, displayName: row.display_name ?? undefined };
}

/**
 * People the recipient of a concern about an adult can still give access to (reachable, not
 * yet in), by name. With a `limit` (a card's choice list), at most that many, and `more` says
 * whether anyone was left out; without one (the tab), everyone.
 */
export async function listParticipantCandidates(db: Db, tenantId: string, concernId: string, options: { limit?: number } = {}): Promise<{ people: Participant[]; more: boolean }> {
  const limit = options.limit;
  const rows = await db.query<{ aad_object_id: string; display_name: string | null }>(
    `SELECT p.aad_object_id, p.display_name FROM personal_conversations p
     WHERE p.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM concern_participants c WHERE c.tenant_id = p.tenant_id AND c.concern_id = $2 AND c.aad_object_id = p.aad_object_id)
     ORDER BY p.display_name, p.aad_object_id${limit === undefined ? '' : ' LIMIT $3'}`,
    limit === undefined ? [tenantId, concernId] : [tenantId, concernId, limit + 1],
  );
  const people = rows.map((r) => ({ aadObjectId: r.aad_object_id, displayName: r.display_name ?? undefined }));
  return limit === undefined ? { people, more: false } : { people: people.slice(0, limit), more: people.length > limit };
}

/** The roster's age: when it was last refreshed from Teams (undefined when empty). */
export async function dslRosterRefreshedAt(db: Db, tenantId: string): Promise<Date | undefined> {
  const [row] = await db.query<{ at: string | Date | null }>('SELECT min(refreshed_at) AS at FROM dsl_members WHERE tenant_id = $1', [tenantId]);
  return row?.at ? new Date(row.at) : undefined;
}

export async function isDslMember(db: Db, tenantId: string, aadObjectId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM dsl_members WHERE tenant_id = $1 AND aad_object_id = $2', [tenantId, aadObjectId])).length > 0;
}

/** References of the given concerns, in the order given (unknown ids are skipped). */
export async function listReferences(db: Db, tenantId: string, concernIds: readonly string[]): Promise<string[]> {
  if (!concernIds.length) return [];
  const rows = await db.query<{ concern_id: string; reference: string }>('SELECT concern_id, reference FROM concerns WHERE tenant_id = $1 AND concern_id = ANY($2::uuid[])', [
    tenantId,
    [...concernIds],
  ]);
  const byId = new Map(rows.map((r) => [r.concern_id, r.reference]));
  return concernIds.map((id) => byId.get(id)).filter((r): r is string => Boolean(r));
}

export interface PupilConcernRow extends ConcernRef {
  category: string;
  ownerName?: string;
}

/** The per-pupil view: every DSL-team concern linked to a pupil key, oldest first. Never concerns about adults. */
export async function listConcernsByPupilKey(db: Db, tenantId: string, pupilKey: string): Promise<PupilConcernRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT DISTINCT c.concern_id, c.reference, c.status, c.recipient, c.created_at, c.category, c.owner_name FROM concerns c
     JOIN concern_pupils p ON p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id
     WHERE c.tenant_id = $1 AND c.recipient = 'dsl-team' AND p.pupil_key = $2
     ORDER BY c.created_at, c.reference`,
    [tenantId, pupilKey],
  );
  return rows.map((r) => ({ ...toRef(r), category: r.category as string, ownerName: (r.owner_name as string | null) ?? undefined }));
}

/** Whether the tenant has a DSL channel yet (messages to it are held until it has). */
export async function isDslChannelRegistered(db: Db, tenantId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM dsl_channels WHERE tenant_id = $1', [tenantId])).length > 0;
}

/** The DSL team's open concerns `aadObjectId` owns, oldest first (of `concernIds`, when given). */
export async function listOpenConcernsOwnedBy(db: Db, tenantId: string, aadObjectId: string, concernIds?: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ concern_id: string }>(
    `SELECT concern_id::text AS concern_id FROM concerns
     WHERE tenant_id = $1 AND owner_aad_id = $2 AND status <> 'closed' AND recipient = 'dsl-team' AND ($3::text[] IS NULL OR concern_id::text = ANY($3::text[])) ORDER BY created_at`,
    [tenantId, aadObjectId, concernIds ? [...concernIds] : null],
  );
  return rows.map((r) => r.concern_id);
}
