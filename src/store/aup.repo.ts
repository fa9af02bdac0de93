import type { Db } from './db';
import type { Acknowledgement, AckMethod, Audience, AudienceMember, AupVersion } from '../domain/aup/types';
import { ackExpiresAt } from '../domain/aup/status';

/** AUP versions, audiences, the broadcast queue and the register. All SQL for AUPs lives here. */

type R = Record<string, unknown>;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const optDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : date(v));
const optText = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const day = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

function toVersion(r: R): AupVersion {
  return {
    tenantId: String(r.tenant_id),
    versionId: String(r.version_id),
    audience: r.audience as Audience,
    versionNumber: Number(r.version_number),
    title: String(r.title),
    ...(r.body !== null ? { body: String(r.body) } : {}),
    ...(r.link_url !== null ? { linkUrl: String(r.link_url) } : {}),
    effectiveOn: day(r.effective_on),
    ...(r.change_summary !== null ? { changeSummary: String(r.change_summary) } : {}),
    ...(r.summary !== null ? { summary: String(r.summary) } : {}),
    contentHash: String(r.content_hash),
    publishedBy: String(r.published_by),
    publishedAt: date(r.published_at),
  };
}

// ---------------------------------------------------------------- versions

/** Stores a new version as the next number of its audience; the database checks the hash. */
export async function insertAupVersion(db: Db, v: Omit<AupVersion, 'versionNumber' | 'publishedAt'> & { publishedAt: Date }): Promise<AupVersion> {
  const [row] = await db.query<R>(
    `INSERT INTO aup_versions (tenant_id, version_id, audience, version_number, title, body, link_url, effective_on, change_summary, summary, content_hash, published_by, published_at)
     SELECT $1, $2, $3, coalesce(max(version_number), 0) + 1, $4, $5, $6, $7, $8, $9, $10, $11, $12
     FROM aup_versions WHERE tenant_id = $1 AND audience = $3
     RETURNING *`,
    [v.tenantId, v.versionId, v.audience, v.title, v.body ?? null, v.linkUrl ?? null, v.effectiveOn, v.changeSummary ?? null, v.summary ?? null, v.contentHash, v.publishedBy, v.publishedAt],
  );
  return toVersion(row!);
}

export async function getAupVersion(db: Db, tenantId: string, versionId: string): Promise<AupVersion | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(versionId)) return undefined;
  const [row] = await db.query<R>('SELECT * FROM aup_versions WHERE tenant_id = $1 AND version_id = $2', [tenantId, versionId]);
  return row && toVersion(row);
}

export async function getLatestAupVersion(db: Db, tenantId: string, audience: Audience): Promise<AupVersion | undefined> {
  const [row] = await db.query<R>('SELECT * FROM aup_versions WHERE tenant_id = $1 AND audience = $2 ORDER BY version_number DESC LIMIT 1', [tenantId, audience]);
  return row && toVersion(row);
}

export async function getAupVersionByNumber(db: Db, tenantId: string, audience: Audience, versionNumber: number): Promise<AupVersion | undefined> {
  const [row] = await db.query<R>('SELECT * FROM aup_versions WHERE tenant_id = $1 AND audience = $2 AND version_number = $3', [tenantId, audience, versionNumber]);
  return row && toVersion(row);
}

export async function listAupVersions(db: Db, tenantId: string): Promise<AupVersion[]> {
  const rows = await db.query<R>('SELECT * FROM aup_versions WHERE tenant_id = $1 ORDER BY audience, version_number', [tenantId]);
  return rows.map(toVersion);
}

/** The newest version of every audience. */
export async function listLatestAupVersions(db: Db, tenantId: string): Promise<AupVersion[]> {
  const rows = await db.query<R>(
    `SELECT DISTINCT ON (audience) * FROM aup_versions WHERE tenant_id = $1 ORDER BY audience, version_number DESC`,
    [tenantId],
  );
  return rows.map(toVersion);
}

// ---------------------------------------------------------------- audiences

/** Replaces an audience's members from one source (a group sync or a CSV) in one transaction. */
export async function replaceAudienceMembers(db: Db, tenantId: string, audience: Audience, members: readonly AudienceMember[], source: 'group' | 'csv', now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM aup_audience_members WHERE tenant_id = $1 AND audience = $2 AND source = $3', [tenantId, audience, source]);
    await upsertAudienceMembers(tx, tenantId, audience, members, source, now);
  });
}

/** Adds or refreshes members (the import adds the people named on paper acknowledgements). */
export async function upsertAudienceMembers(db: Db, tenantId: string, audience: Audience, members: readonly AudienceMember[], source: 'group' | 'csv' | 'import', now: Date): Promise<void> {
  for (let i = 0; i < members.length; i += 1000) {
    const chunk = members.slice(i, i + 1000);
    await db.query(
      `INSERT INTO aup_audience_members (tenant_id, audience, person_id, aad_object_id, display_name, email, source, synced_at)
       SELECT $1, $2, p, a, n, e, $3, $4 FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS m(p, a, n, e)
       ON CONFLICT (tenant_id, audience, person_id) DO UPDATE SET aad_object_id = coalesce(EXCLUDED.aad_object_id, aup_audience_members.aad_object_id),
         display_name = EXCLUDED.display_name, email = coalesce(EXCLUDED.email, aup_audience_members.email),
         source = CASE WHEN aup_audience_members.source = 'import' THEN EXCLUDED.source ELSE aup_audience_members.source END, synced_at = EXCLUDED.synced_at`,
      [tenantId, audience, source, now, chunk.map((m) => m.personId), chunk.map((m) => m.aadObjectId ?? null), chunk.map((m) => m.displayName), chunk.map((m) => m.email ?? null)],
    );
  }
}

/** An audience's members, or only those from one source (the group sync asks the people its groups brought in). */
export async function listAudienceMembers(db: Db, tenantId: string, audience: Audience, source?: AudienceSource): Promise<AudienceMember[]> {
  const rows = await db.query<R>(
    'SELECT person_id, aad_object_id, display_name, email FROM aup_audience_members WHERE tenant_id = $1 AND audience = $2 AND ($3::text IS NULL OR source = $3) ORDER BY display_name, person_id',
    [tenantId, audience, source ?? null],
  );
  return rows.map((r) => ({ personId: String(r.person_id), ...(r.aad_object_id ? { aadObjectId: String(r.aad_object_id) } : {}), displayName: String(r.display_name), ...(r.email ? { email: String(r.email) } : {}) }));
}

export type AudienceSource = 'group' | 'csv' | 'import';

/** How many members an audience has from each source (what the admin is told after a publish). */
export async function countAudienceMembersBySource(db: Db, tenantId: string, audience: Audience): Promise<Record<AudienceSource, number>> {
  const rows = await db.query<{ source: AudienceSource; n: string | number }>('SELECT source, count(*) AS n FROM aup_audience_members WHERE tenant_id = $1 AND audience = $2 GROUP BY source', [tenantId, audience]);
  const get = (s: AudienceSource) => Number(rows.find((r) => r.source === s)?.n ?? 0);
  return { group: get('group'), csv: get('csv'), import: get('import') };
}

/** Everyone the AUP register knows (audience members and anyone who ever acknowledged), by id and name. */
export async function listAupPeople(db: Db, tenantId: string): Promise<{ personId: string; displayName: string }[]> {
  const rows = await db.query<R>(
    `SELECT DISTINCT person_id, display_name FROM aup_audience_members WHERE tenant_id = $1
     UNION
     SELECT DISTINCT person_id, display_name FROM aup_acknowledgements WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows.map((r) => ({ personId: String(r.person_id), displayName: String(r.display_name) }));
}

/** The audiences a person belongs to. */
export async function audiencesOfPerson(db: Db, tenantId: string, personId: string): Promise<{ audience: Audience; displayName: string }[]> {
  const rows = await db.query<R>('SELECT audience, display_name FROM aup_audience_members WHERE tenant_id = $1 AND person_id = $2 ORDER BY audience', [tenantId, personId]);
  return rows.map((r) => ({ audience: r.audience as Audience, displayName: String(r.display_name) }));
}

// ---------------------------------------------------------------- audience syncs (Entra groups)

export interface AudienceSyncState {
  audience: Audience;
  syncedAt?: Date;
  members?: number;
  groups?: number;
  failedAt?: Date;
  /** Safe words: the kind of failure and the HTTP status, never a message from Graph. */
  error?: string;
  /** Failed sync runs in a row (0 once a reading succeeds). */
  failedAttempts: number;
}

/** A successful reading of an audience's groups: when, how many people and groups; clears the failures. */
export async function recordAudienceSync(db: Db, tenantId: string, audience: Audience, sync: { at: Date; members: number; groups: number }): Promise<void> {
  await db.query(
    `INSERT INTO aup_audience_syncs (tenant_id, audience, synced_at, members, groups) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, audience) DO UPDATE SET synced_at = EXCLUDED.synced_at, members = EXCLUDED.members, groups = EXCLUDED.groups,
       failed_at = NULL, error = NULL, failed_attempts = 0`,
    [tenantId, audience, sync.at, sync.members, sync.groups],
  );
}

/** A failed sync run for an audience; returns how many runs in a row have now failed. */
export async function recordAudienceSyncFailure(db: Db, tenantId: string, audience: Audience, failure: { at: Date; error: string }): Promise<number> {
  const [row] = await db.query<{ failed_attempts: number }>(
    `INSERT INTO aup_audience_syncs (tenant_id, audience, failed_at, error, failed_attempts) VALUES ($1, $2, $3, $4, 1)
     ON CONFLICT (tenant_id, audience) DO UPDATE SET failed_at = EXCLUDED.failed_at, error = EXCLUDED.error, failed_attempts = aup_audience_syncs.failed_attempts + 1
     RETURNING failed_attempts`,
    [tenantId, audience, failure.at, failure.error.slice(0, 500)],
  );
  return Number(row?.failed_attempts ?? 1);
}

export async function listAudienceSyncs(db: Db, tenantId: string): Promise<AudienceSyncState[]> {
  const rows = await db.query<R>('SELECT * FROM aup_audience_syncs WHERE tenant_id = $1 ORDER BY audience', [tenantId]);
  return rows.map((r) => ({
    audience: r.audience as Audience,
    syncedAt: optDate(r.synced_at),
    members: r.members === null ? undefined : Number(r.members),
    groups: r.groups === null ? undefined : Number(r.groups),
    failedAt: optDate(r.failed_at),
    error: optText(r.error),
    failedAttempts: Number(r.failed_attempts),
  }));
}

// ---------------------------------------------------------------- the send queue

export type AupSendStatus = 'queued' | 'claimed' | 'in_flight' | 'sent' | 'uncertain' | 'failed' | 'skipped';

export interface AupSend {
  tenantId: string;
  sendId: number;
  versionId: string;
  personId: string;
  purpose: string;
  aadObjectId?: string;
  status: AupSendStatus;
  /** Claims, this one included: fences the in-flight write, so it only ever grows. */
  attempts: number;
  /** Claims that ended because Teams was throttling the app: not failures of the card. */
  throttledAttempts: number;
  nextAttemptAt: Date;
  conversationId?: string;
  activityId?: string;
  serviceUrl?: string;
  lastError?: string;
  createdAt: Date;
  sentAt?: Date;
}

function toSend(r: R): AupSend {
  return {
    tenantId: String(r.tenant_id),
    sendId: Number(r.send_id),
    versionId: String(r.version_id),
    personId: String(r.person_id),
    purpose: String(r.purpose),
    aadObjectId: optText(r.aad_object_id),
    status: r.status as AupSendStatus,
    attempts: Number(r.attempts),
    throttledAttempts: Number(r.throttled_attempts ?? 0),
    nextAttemptAt: date(r.next_attempt_at),
    conversationId: optText(r.conversation_id),
    activityId: optText(r.activity_id),
    serviceUrl: optText(r.service_url),
    lastError: optText(r.last_error),
    createdAt: date(r.created_at),
    sentAt: optDate(r.sent_at),
  };
}

/**
 * Queues one row per person for a purpose. The primary key (version, person, purpose) makes
 * a repeated publish, a re-run scheduler or two admins at once a no-op. Returns rows added.
 */
export async function enqueueAupSends(db: Db, tenantId: string, versionId: string, purpose: string, people: readonly { personId: string; aadObjectId?: string }[], now: Date, status: 'queued' | 'skipped' = 'queued'): Promise<number> {
  let added = 0;
  for (let i = 0; i < people.length; i += 1000) {
    const chunk = people.slice(i, i + 1000);
    const rows = await db.query(
      `INSERT INTO aup_sends (tenant_id, version_id, person_id, purpose, aad_object_id, status, next_attempt_at, created_at)
       SELECT $1, $2, p, $3, a, $4, $5, $5 FROM unnest($6::text[], $7::text[]) AS m(p, a)
       ON CONFLICT (tenant_id, version_id, person_id, purpose) DO NOTHING RETURNING send_id`,
      [tenantId, versionId, purpose, status, now, chunk.map((p) => p.personId), chunk.map((p) => p.aadObjectId ?? null)],
    );
    added += rows.length;
  }
  return added;
}

/**
 * Claims due rows for a sender, oldest first, skipping rows another sender holds. A row a dead
 * sender claimed but never started sending is claimable again once its lease has expired.
 */
export async function claimDueAupSends(db: Db, now: Date, limit: number, leaseMs: number, exceptSendIds: readonly number[] = []): Promise<AupSend[]> {
  // `exceptSendIds`: rows this sender is still working on (e.g. just re-queued by a task that has not returned yet).
  const rows = await db.query<R>(
    `UPDATE aup_sends s SET status = 'claimed', attempts = s.attempts + 1, lease_until = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
     WHERE s.send_id IN (
       SELECT send_id FROM aup_sends
       WHERE ((status = 'queued' AND next_attempt_at <= $1) OR (status = 'claimed' AND lease_until <= $1)) AND send_id <> ALL($4::bigint[])
       ORDER BY next_attempt_at, send_id
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     RETURNING s.*`,
    [now, limit, leaseMs, [...exceptSendIds]],
  );
  return rows.map(toSend).sort((a, b) => a.sendId - b.sendId);
}

/**
 * Rows whose call to Teams had started when their sender died: Teams may or may not have shown
 * the card, so they become 'uncertain' and are never sent again automatically. Returns how many.
 */
export async function markAbandonedAupSendsUncertain(db: Db, now: Date): Promise<number> {
  const rows = await db.query(
    `UPDATE aup_sends SET status = 'uncertain', lease_until = NULL, last_error = 'the sender stopped while Teams was being called; not re-sent to avoid a second card'
     WHERE status = 'in_flight' AND lease_until <= $1 RETURNING send_id`,
    [now],
  );
  return rows.length;
}

/** Written just before the call to Teams: from here on a crash leaves the outcome unknown. */
export async function markAupSendInFlight(db: Db, sendId: number, claimedAttempt: number, now: Date, leaseMs: number): Promise<boolean> {
  // Fenced by the attempt number: if another sender re-claimed the row meanwhile, we do not send.
  const rows = await db.query(
    `UPDATE aup_sends SET status = 'in_flight', send_started_at = $2, lease_until = $2::timestamptz + make_interval(secs => $3::double precision / 1000)
     WHERE send_id = $1 AND status = 'claimed' AND attempts = $4 RETURNING send_id`,
    [sendId, now, leaseMs, claimedAttempt],
  );
  return rows.length === 1;
}

export async function markAupSendSent(db: Db, sendId: number, sent: { conversationId: string; activityId: string; serviceUrl: string }, now: Date): Promise<void> {
  await db.query(
    `UPDATE aup_sends SET status = 'sent', conversation_id = $2, activity_id = $3, service_url = $4, sent_at = $5, lease_until = NULL, last_error = NULL WHERE send_id = $1`,
    [sendId, sent.conversationId, sent.activityId, sent.serviceUrl, now],
  );
}

/**
 * Back to the queue: Teams refused before accepting anything (throttled, 5xx, unreachable), or
 * the card could not be prepared. Only while the claim is still ours (fenced by its attempt
 * number: a row skipped by a newer version, or re-claimed after its lease, is left as it is).
 * `throttled`: the claim ended because Teams is throttling the app, which is not a failure of
 * the card (it does not count towards AUP_MAX_SEND_ATTEMPTS nor grow its back-off).
 */
export async function scheduleAupSendRetry(db: Db, claim: Pick<AupSend, 'sendId' | 'attempts'>, nextAttemptAt: Date, error: string, options: { throttled?: boolean } = {}): Promise<boolean> {
  const rows = await db.query(
    `UPDATE aup_sends SET status = 'queued', next_attempt_at = $2, lease_until = NULL, send_started_at = NULL, last_error = $3,
       throttled_attempts = throttled_attempts + CASE WHEN $5::boolean THEN 1 ELSE 0 END
     WHERE send_id = $1 AND status IN ('claimed', 'in_flight') AND attempts = $4 RETURNING send_id`,
    [claim.sendId, nextAttemptAt, error.slice(0, 500), claim.attempts, options.throttled === true],
  );
  return rows.length === 1;
}

/** The claims of a row that failed (those ended by throttling are not failures), this one included. */
export function failedAttempts(row: Pick<AupSend, 'attempts' | 'throttledAttempts'>): number {
  return row.attempts - row.throttledAttempts;
}

/** Why the sender skipped an ask: its person had been taken out of the audience before it went. */
export const SKIPPED_LEFT_AUDIENCE = 'no longer in the audience';

/**
 * Puts back in the queue the first asks of a version that were skipped because their person had
 * left the audience, for those who are members again (a rejoiner, a corrected list) and have not
 * agreed: the queue's key would otherwise keep them from ever being asked. Returns their ids.
 */
export async function requeueAsksOfRejoiners(db: Db, tenantId: string, versionId: string, now: Date): Promise<string[]> {
  const rows = await db.query<{ person_id: string }>(
    `UPDATE aup_sends s SET status = 'queued', attempts = 0, throttled_attempts = 0, next_attempt_at = $3, lease_until = NULL, last_error = NULL
     WHERE s.tenant_id = $1 AND s.version_id = $2 AND s.purpose = 'ask' AND s.status = 'skipped' AND s.last_error = $4
       AND ${IN_VERSION_AUDIENCE('s')}
       AND NOT EXISTS (SELECT 1 FROM aup_acknowledgements k WHERE k.tenant_id = s.tenant_id AND k.version_id = s.version_id AND k.person_id = s.person_id)
     RETURNING s.person_id`,
    [tenantId, versionId, now, SKIPPED_LEFT_AUDIENCE],
  );
  return rows.map((r) => String(r.person_id));
}

/** Why a card was not sent: a newer version of its policy was published before it went. */
export const SKIPPED_REPLACED = 'replaced by a newer version';

/**
 * On publishing a version: the asks, reminders and renewals of the audience's older versions that
 * have not reached Teams are not sent (everyone gets the new version's card instead). Claimed rows
 * too, so a card the sender has prepared but not started sending is refused by its in-flight
 * fence. Updates of cards already in chats ('refresh:') and the lead's report still go.
 */
export async function skipUnsentCardsOfOlderVersions(db: Db, tenantId: string, audience: Audience, currentVersionId: string): Promise<number> {
  const rows = await db.query(
    `UPDATE aup_sends s SET status = 'skipped', lease_until = NULL, last_error = $4
     WHERE s.tenant_id = $1 AND s.status IN ('queued', 'claimed') AND s.version_id <> $3
       AND s.purpose NOT LIKE 'refresh:%' AND s.purpose NOT LIKE 'report:%'
       AND s.version_id IN (SELECT v.version_id FROM aup_versions v WHERE v.tenant_id = $1 AND v.audience = $2)
     RETURNING s.send_id`,
    [tenantId, audience, currentVersionId, SKIPPED_REPLACED],
  );
  return rows.length;
}

export async function finishAupSend(db: Db, sendId: number, status: 'failed' | 'skipped', reason: string): Promise<void> {
  await db.query(`UPDATE aup_sends SET status = $2, lease_until = NULL, last_error = $3 WHERE send_id = $1`, [sendId, status, reason.slice(0, 500)]);
}

export async function listAupSends(db: Db, tenantId: string, versionId: string, purpose?: string): Promise<AupSend[]> {
  const rows = await db.query<R>(
    `SELECT * FROM aup_sends WHERE tenant_id = $1 AND version_id = $2 AND ($3::text IS NULL OR purpose = $3) ORDER BY send_id`,
    [tenantId, versionId, purpose ?? null],
  );
  return rows.map(toSend);
}

/** The cards this person was sent for a version (to refresh them after an acknowledgement). */
export async function listAupSendsForPerson(db: Db, tenantId: string, versionId: string, personId: string): Promise<AupSend[]> {
  const rows = await db.query<R>('SELECT * FROM aup_sends WHERE tenant_id = $1 AND version_id = $2 AND person_id = $3 ORDER BY send_id', [tenantId, versionId, personId]);
  return rows.map(toSend);
}

/** The purposes that ask a person to agree (first card, renewals and their reminders), as SQL on `alias`. */
const ASKS_PERSON = (alias: string) => `${alias}.purpose NOT LIKE 'refresh:%' AND ${alias}.purpose NOT LIKE 'report:%'`;

/** An ask that did not end as sent: Teams refused it for good ('failed'), or the sender died mid-call ('uncertain'). */
export interface StuckAupSend {
  sendId: number;
  personId: string;
  /** From the audience; the person id when they are no longer in it. For the admin's terminal only, never logs. */
  displayName: string;
  purpose: string;
  status: 'uncertain' | 'failed';
  /** When its last attempt started (or when it was queued, if none had). */
  at: Date;
  /** The sender's short reason: an HTTP status and a few words, never message content. */
  reason?: string;
  /** Answered since, as the sender decides it (so a retry would be skipped anyway). */
  acknowledged: boolean;
  inAudience: boolean;
}

/** A version's asks that ended uncertain or failed, by name: what `jigsaw aup stuck` lists and `aup retry` re-queues. */
export async function listStuckAupSends(db: Db, tenantId: string, versionId: string): Promise<StuckAupSend[]> {
  const rows = await db.query<R>(
    `SELECT s.send_id, s.person_id, coalesce(m.display_name, s.person_id) AS display_name, s.purpose, s.status,
       coalesce(s.send_started_at, s.created_at) AS at, s.last_error, m.person_id IS NOT NULL AS in_audience,
       EXISTS (SELECT 1 FROM aup_acknowledgements k WHERE k.tenant_id = s.tenant_id AND k.version_id = s.version_id AND k.person_id = s.person_id
               AND (s.purpose = 'ask' OR s.purpose LIKE 'ask/%' OR k.acknowledged_at >= s.created_at)) AS acknowledged
     FROM aup_sends s
     JOIN aup_versions v ON v.tenant_id = s.tenant_id AND v.version_id = s.version_id
     LEFT JOIN aup_audience_members m ON m.tenant_id = s.tenant_id AND m.audience = v.audience AND m.person_id = s.person_id
     WHERE s.tenant_id = $1 AND s.version_id = $2 AND s.status IN ('uncertain', 'failed') AND ${ASKS_PERSON('s')}
     ORDER BY 3, s.send_id`,
    [tenantId, versionId],
  );
  return rows.map((r) => ({
    sendId: Number(r.send_id),
    personId: String(r.person_id),
    displayName: String(r.display_name),
    purpose: String(r.purpose),
    status: r.status as StuckAupSend['status'],
    at: date(r.at),
    reason: optText(r.last_error),
    acknowledged: r.acknowledged === true,
    inAudience: r.in_audience === true,
  }));
}

/**
 * Puts stuck asks back in the queue with a fresh attempt count, so the running sender delivers
 * them (and re-checks, just before sending, that they are still wanted). Only rows still
 * uncertain or failed: one another admin re-queued meanwhile is not counted twice. Returns their ids.
 */
export async function requeueStuckAupSends(db: Db, tenantId: string, versionId: string, sendIds: readonly number[], now: Date): Promise<number[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ send_id: string | number }>(
      `UPDATE aup_sends SET status = 'queued', attempts = 0, throttled_attempts = 0, next_attempt_at = $4, lease_until = NULL, send_started_at = NULL, last_error = NULL
       WHERE tenant_id = $1 AND version_id = $2 AND send_id = ANY($3::bigint[]) AND status IN ('uncertain', 'failed')
       RETURNING send_id`,
      [tenantId, versionId, [...sendIds], now],
    );
    // The broadcast is under way again: its progress card must show the retried cards, not stay "finished".
    if (rows.length) await tx.query('UPDATE aup_broadcasts SET completed_at = NULL WHERE tenant_id = $1 AND version_id = $2', [tenantId, versionId]);
    return rows.map((r) => Number(r.send_id));
  });
}

export interface AupSendCounts {
  total: number;
  queued: number;
  sending: number;
  sent: number;
  uncertain: number;
  failed: number;
  skipped: number;
  acknowledged: number;
}

/** Progress of a version's first broadcast (purpose 'ask'). */
export async function countAupSends(db: Db, tenantId: string, versionId: string): Promise<AupSendCounts> {
  const rows = await db.query<{ status: string; n: string | number }>(
    `SELECT status, count(*) AS n FROM aup_sends WHERE tenant_id = $1 AND version_id = $2 AND purpose = 'ask' GROUP BY status`,
    [tenantId, versionId],
  );
  const [acks] = await db.query<{ n: string | number }>('SELECT count(DISTINCT person_id) AS n FROM aup_acknowledgements WHERE tenant_id = $1 AND version_id = $2', [tenantId, versionId]);
  const get = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  const c: AupSendCounts = { total: 0, queued: get('queued'), sending: get('claimed') + get('in_flight'), sent: get('sent'), uncertain: get('uncertain'), failed: get('failed'), skipped: get('skipped'), acknowledged: Number(acks?.n ?? 0) };
  c.total = c.queued + c.sending + c.sent + c.uncertain + c.failed + c.skipped;
  return c;
}

/** SQL: the send row `alias` is for someone still in its version's audience (people who left are asked no more). */
export const IN_VERSION_AUDIENCE = (alias: string) =>
  `EXISTS (SELECT 1 FROM aup_versions av JOIN aup_audience_members am ON am.tenant_id = av.tenant_id AND am.audience = av.audience
           WHERE av.tenant_id = ${alias}.tenant_id AND av.version_id = ${alias}.version_id AND am.person_id = ${alias}.person_id)`;

/** Whether a person is (still) a member of an audience. */
export async function isAudienceMember(db: Db, tenantId: string, audience: Audience, personId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM aup_audience_members WHERE tenant_id = $1 AND audience = $2 AND person_id = $3', [tenantId, audience, personId]);
  return rows.length > 0;
}

/**
 * Asks (first cards and renewals) that were delivered, are still unanswered, and may need a
 * reminder: with the reminders already sent for each. Only people still in the audience.
 *
 * "Answered" (no reminder), whenever the acknowledgement was made, even before the card (paper is
 * stored at 12:00 UTC on the day signed: a form signed on the 14th and imported after a card
 * queued at 00:05 on the 15th is earlier than the card):
 * - the first card ('ask'): any acknowledgement of the version. While it is current the person is
 *   current; once it lapses the yearly renewal asks them, with its own reminders.
 * - a renewal ('renew:<date>'): an acknowledgement of the version still current at `now` (the
 *   lapsed one is not), or one made after the renewal card (which stays answered when that one
 *   lapses in turn and the next renewal takes over).
 */
export async function listUnansweredAsks(db: Db, tenantId: string, versionId: string, current: { now: Date; validityMonths: number }): Promise<{ personId: string; aadObjectId?: string; purpose: string; sentAt: Date; remindersSent: number }[]> {
  const rows = await db.query<R>(
    `SELECT a.person_id, a.aad_object_id, a.purpose, coalesce(a.sent_at, a.created_at) AS sent_at,
       (SELECT count(*) FROM aup_sends r WHERE r.tenant_id = a.tenant_id AND r.version_id = a.version_id AND r.person_id = a.person_id AND r.purpose LIKE a.purpose || '/r%') AS reminders,
       (SELECT max(k.acknowledged_at) FROM aup_acknowledgements k WHERE k.tenant_id = a.tenant_id AND k.version_id = a.version_id AND k.person_id = a.person_id) AS last_ack_at
     FROM aup_sends a
     WHERE a.tenant_id = $1 AND a.version_id = $2 AND a.status IN ('sent', 'uncertain') AND a.purpose NOT LIKE '%/r%' AND a.purpose NOT LIKE 'refresh:%' AND a.purpose NOT LIKE 'report:%'
       AND NOT EXISTS (SELECT 1 FROM aup_acknowledgements k WHERE k.tenant_id = a.tenant_id AND k.version_id = a.version_id AND k.person_id = a.person_id AND (a.purpose = 'ask' OR k.acknowledged_at >= a.created_at))
       AND NOT EXISTS (SELECT 1 FROM aup_sends later WHERE later.tenant_id = a.tenant_id AND later.version_id = a.version_id AND later.person_id = a.person_id
                       AND later.purpose NOT LIKE '%/r%' AND later.purpose NOT LIKE 'refresh:%' AND later.purpose NOT LIKE 'report:%' AND later.created_at > a.created_at)
       AND ${IN_VERSION_AUDIENCE('a')}`,
    [tenantId, versionId],
  );
  // Still current: worked out as the register does (ackExpiresAt: calendar months in UTC), not in SQL.
  const answered = (r: R) => r.last_ack_at !== null && r.last_ack_at !== undefined && ackExpiresAt(date(r.last_ack_at), current) > current.now;
  return rows.filter((r) => !answered(r)).map((r) => ({ personId: String(r.person_id), aadObjectId: optText(r.aad_object_id), purpose: String(r.purpose), sentAt: date(r.sent_at), remindersSent: Number(r.reminders) }));
}

/** Whether anything is still to be sent (the sender's idle check and the progress card). */
export async function hasPendingAupSends(db: Db, tenantId: string, versionId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM aup_sends WHERE tenant_id = $1 AND version_id = $2 AND status IN ('queued', 'claimed', 'in_flight') LIMIT 1`, [tenantId, versionId]);
  return rows.length > 0;
}

// ---------------------------------------------------------------- broadcasts

export interface AupBroadcast {
  tenantId: string;
  versionId: string;
  startedBy: string;
  startedAt: Date;
  progress?: { conversationId: string; activityId: string; serviceUrl: string };
  progressUpdatedAt?: Date;
  completedAt?: Date;
  deadlineReportedAt?: Date;
}

function toBroadcast(r: R): AupBroadcast {
  return {
    tenantId: String(r.tenant_id),
    versionId: String(r.version_id),
    startedBy: String(r.started_by),
    startedAt: date(r.started_at),
    ...(r.progress_activity_id ? { progress: { conversationId: String(r.progress_conversation), activityId: String(r.progress_activity_id), serviceUrl: String(r.progress_service_url) } } : {}),
    progressUpdatedAt: optDate(r.progress_updated_at),
    completedAt: optDate(r.completed_at),
    deadlineReportedAt: optDate(r.deadline_reported_at),
  };
}

export async function createAupBroadcast(db: Db, tenantId: string, versionId: string, startedBy: string, now: Date): Promise<void> {
  await db.query(`INSERT INTO aup_broadcasts (tenant_id, version_id, started_by, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [tenantId, versionId, startedBy, now]);
}

export async function getAupBroadcast(db: Db, tenantId: string, versionId: string): Promise<AupBroadcast | undefined> {
  const [row] = await db.query<R>('SELECT * FROM aup_broadcasts WHERE tenant_id = $1 AND version_id = $2', [tenantId, versionId]);
  return row && toBroadcast(row);
}

export async function listAupBroadcasts(db: Db, tenantId?: string): Promise<AupBroadcast[]> {
  const rows = await db.query<R>('SELECT * FROM aup_broadcasts WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY started_at', [tenantId ?? null]);
  return rows.map(toBroadcast);
}

export async function setAupProgressCard(db: Db, tenantId: string, versionId: string, where: { conversationId: string; activityId: string; serviceUrl: string }, now: Date): Promise<void> {
  await db.query(
    `UPDATE aup_broadcasts SET progress_conversation = $3, progress_activity_id = $4, progress_service_url = $5, progress_updated_at = $6 WHERE tenant_id = $1 AND version_id = $2`,
    [tenantId, versionId, where.conversationId, where.activityId, where.serviceUrl, now],
  );
}

export async function touchAupProgress(db: Db, tenantId: string, versionId: string, now: Date, completed: boolean): Promise<void> {
  await db.query(
    `UPDATE aup_broadcasts SET progress_updated_at = $3, completed_at = CASE WHEN $4 THEN coalesce(completed_at, $3) ELSE NULL END WHERE tenant_id = $1 AND version_id = $2`,
    [tenantId, versionId, now, completed],
  );
}

/**
 * The number of the newer version that replaced this one while its first broadcast was going out
 * (some of its first cards were skipped as replaced), if any. A broadcast that had finished before
 * the next version was published was not replaced mid-way: undefined.
 */
export async function versionReplacingAupBroadcast(db: Db, tenantId: string, versionId: string): Promise<number | undefined> {
  const [row] = await db.query<{ version_number: number }>(
    `SELECT min(newer.version_number) AS version_number FROM aup_versions v
     JOIN aup_versions newer ON newer.tenant_id = v.tenant_id AND newer.audience = v.audience AND newer.version_number > v.version_number
     WHERE v.tenant_id = $1 AND v.version_id = $2
       AND EXISTS (SELECT 1 FROM aup_sends s WHERE s.tenant_id = v.tenant_id AND s.version_id = v.version_id AND s.purpose = 'ask' AND s.status = 'skipped' AND s.last_error = $3)`,
    [tenantId, versionId, SKIPPED_REPLACED],
  );
  return row?.version_number === null || row?.version_number === undefined ? undefined : Number(row.version_number);
}

/**
 * The broadcasts of older versions of this version's audience that were still going out when it
 * was published (never marked completed): their progress cards must be closed as replaced.
 */
export async function listOpenReplacedAupBroadcasts(db: Db, tenantId: string, versionId: string): Promise<string[]> {
  const rows = await db.query<{ version_id: string }>(
    `SELECT b.version_id FROM aup_broadcasts b
     JOIN aup_versions old ON old.tenant_id = b.tenant_id AND old.version_id = b.version_id
     JOIN aup_versions cur ON cur.tenant_id = b.tenant_id AND cur.version_id = $2 AND cur.audience = old.audience AND cur.version_number > old.version_number
     WHERE b.tenant_id = $1 AND b.completed_at IS NULL
     ORDER BY old.version_number`,
    [tenantId, versionId],
  );
  return rows.map((r) => String(r.version_id));
}

/** Marks the deadline report as sent; returns false when another scheduler already did. */
export async function claimAupDeadlineReport(db: Db, tenantId: string, versionId: string, now: Date): Promise<boolean> {
  const rows = await db.query(`UPDATE aup_broadcasts SET deadline_reported_at = $3 WHERE tenant_id = $1 AND version_id = $2 AND deadline_reported_at IS NULL RETURNING version_id`, [tenantId, versionId, now]);
  return rows.length === 1;
}

// ---------------------------------------------------------------- acknowledgements

function toAck(r: R): Acknowledgement & { versionNumber: number; audience: Audience } {
  return {
    tenantId: String(r.tenant_id),
    versionId: String(r.version_id),
    personId: String(r.person_id),
    ...(r.aad_object_id ? { aadObjectId: String(r.aad_object_id) } : {}),
    displayName: String(r.display_name),
    acknowledgedAt: date(r.acknowledged_at),
    contentHash: String(r.content_hash),
    method: r.method as AckMethod,
    ...(r.signed_by ? { signedBy: String(r.signed_by) } : {}),
    recordedBy: String(r.recorded_by),
    versionNumber: Number(r.version_number),
    audience: r.audience as Audience,
  };
}

/** Appends an acknowledgement; the same person, version and moment again is a no-op. Returns whether it was new. */
export async function insertAcknowledgement(db: Db, a: Acknowledgement): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO aup_acknowledgements (tenant_id, version_id, person_id, aad_object_id, display_name, acknowledged_at, content_hash, method, signed_by, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, version_id, person_id, acknowledged_at) DO NOTHING RETURNING ack_id`,
    [a.tenantId, a.versionId, a.personId, a.aadObjectId ?? null, a.displayName, a.acknowledgedAt, a.contentHash, a.method, a.signedBy ?? null, a.recordedBy],
  );
  return rows.length === 1;
}

/** Every acknowledgement a person gave, newest first, with the version's number and audience. */
export async function listAcknowledgementsOfPerson(db: Db, tenantId: string, personId: string): Promise<ReturnType<typeof toAck>[]> {
  const rows = await db.query<R>(
    `SELECT k.*, v.version_number, v.audience FROM aup_acknowledgements k JOIN aup_versions v ON v.tenant_id = k.tenant_id AND v.version_id = k.version_id
     WHERE k.tenant_id = $1 AND k.person_id = $2 ORDER BY k.acknowledged_at DESC, k.ack_id DESC`,
    [tenantId, personId],
  );
  return rows.map(toAck);
}

/** Every acknowledgement of an audience's policy (all versions), for the register. */
export async function listAcknowledgementsForAudience(db: Db, tenantId: string, audience: Audience): Promise<ReturnType<typeof toAck>[]> {
  const rows = await db.query<R>(
    `SELECT k.*, v.version_number, v.audience FROM aup_acknowledgements k JOIN aup_versions v ON v.tenant_id = k.tenant_id AND v.version_id = k.version_id
     WHERE k.tenant_id = $1 AND v.audience = $2 ORDER BY k.person_id, k.acknowledged_at`,
    [tenantId, audience],
  );
  return rows.map(toAck);
}

/** People asked for a version (any purpose other than reminders), for the register. */
export async function listAskedPeople(db: Db, tenantId: string, versionId: string): Promise<Set<string>> {
  const rows = await db.query<{ person_id: string }>(
    `SELECT DISTINCT person_id FROM aup_sends WHERE tenant_id = $1 AND version_id = $2 AND purpose NOT LIKE '%/r%' AND purpose NOT LIKE 'refresh:%' AND purpose NOT LIKE 'report:%'`,
    [tenantId, versionId],
  );
  return new Set(rows.map((r) => r.person_id));
}

/** People who ever acknowledged a version (in Teams, on paper or by form). */
export async function listAcknowledgedPeople(db: Db, tenantId: string, versionId: string): Promise<Set<string>> {
  const rows = await db.query<{ person_id: string }>('SELECT DISTINCT person_id FROM aup_acknowledgements WHERE tenant_id = $1 AND version_id = $2', [tenantId, versionId]);
  return new Set(rows.map((r) => r.person_id));
}

/** People asked for a version (first ask), still in its audience, who have not acknowledged it: the deadline report. */
export async function listOutstandingForVersion(db: Db, tenantId: string, versionId: string): Promise<{ personId: string; displayName: string; sentAt: Date; teams: boolean }[]> {
  const rows = await db.query<R>(
    `SELECT s.person_id, coalesce(m.display_name, s.person_id) AS display_name, coalesce(s.sent_at, s.created_at) AS sent_at, s.status
     FROM aup_sends s
     JOIN aup_versions v ON v.tenant_id = s.tenant_id AND v.version_id = s.version_id
     JOIN aup_audience_members m ON m.tenant_id = s.tenant_id AND m.audience = v.audience AND m.person_id = s.person_id
     WHERE s.tenant_id = $1 AND s.version_id = $2 AND s.purpose = 'ask'
       AND NOT EXISTS (SELECT 1 FROM aup_acknowledgements k WHERE k.tenant_id = s.tenant_id AND k.version_id = s.version_id AND k.person_id = s.person_id)
     ORDER BY 2, 1`,
    [tenantId, versionId],
  );
  return rows.map((r) => ({ personId: String(r.person_id), displayName: String(r.display_name), sentAt: date(r.sent_at), teams: r.status !== 'skipped' }));
}
