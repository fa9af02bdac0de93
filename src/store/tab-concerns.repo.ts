import type { Db } from './db';
import type { NarrativeCipher } from './narrative-cipher';
import type { ConcernAbout, ConcernStatus, RecipientRole, Urgency } from '../domain/concerns/concern';
import { statusAfterEvents } from '../domain/concerns/triage';

/** One line of the DSL queue (pupils' names decrypted for the DSL; no narrative). */
export interface QueueRow {
  concernId: string;
  reference: string;
  category: string;
  urgency: Urgency;
  status: ConcernStatus;
  about: ConcernAbout;
  recipient: RecipientRole;
  ownerAadId?: string;
  ownerName?: string;
  riskLevel?: string;
  pupils: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface QueueFilter {
  statuses?: readonly ConcernStatus[];
  urgency?: Urgency;
  categories?: readonly string[];
  /** An owner's Entra id, or 'none' for concerns nobody owns yet. */
  owner?: string;
  /** Concerns naming this pupil (normalised key). */
  pupilKey?: string;
  limit?: number;
}

export interface StaffReportRow {
  reference: string;
  status: ConcernStatus;
  createdAt: Date;
  recipient: RecipientRole;
  about: ConcernAbout;
  /** Stored but not sent: nobody to receive a concern about an adult, or no DSL channel yet. */
  held: 'recipient' | 'dsl-channel' | null;
}

export interface ConcernFact {
  concernId: string;
  category: string;
  status: ConcernStatus;
  createdAt: Date;
  /** When someone first took ownership (the acknowledgement), if anyone has. */
  acknowledgedAt?: Date;
}

const QUEUE_COLUMNS = `c.concern_id, c.reference, c.category, c.urgency, c.status, c.about, c.recipient, c.owner_aad_id, c.owner_name, c.risk_level,
  c.created_at, c.updated_at, k.wrapped_key,
  ARRAY(SELECT p.name_enc FROM concern_pupils p WHERE p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id ORDER BY p.position) AS pupils_enc`;

/**
 * The tab's reads of concerns. Every query names the tenant; concerns about adults are read
 * only by `listPrivateConcerns` (their recipient's list), never by the DSL queue.
 */
export class TabConcernRepository {
  constructor(private readonly cipher: NarrativeCipher) {}

  /** The DSL team's concerns (recipient 'dsl-team' only), newest first, filtered in SQL. */
  async listQueue(db: Db, tenantId: string, f: QueueFilter = {}): Promise<QueueRow[]> {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT ${QUEUE_COLUMNS}
       FROM concerns c JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       WHERE c.tenant_id = $1 AND c.recipient = 'dsl-team'
         AND ($2::text[] IS NULL OR c.status = ANY($2::text[]))
         AND ($3::text IS NULL OR c.urgency = $3)
         AND ($4::text[] IS NULL OR c.category = ANY($4::text[]))
         AND ($5::text IS NULL OR ($5 = 'none' AND c.owner_aad_id IS NULL) OR c.owner_aad_id = $5)
         AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM concern_pupils p WHERE p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id AND p.pupil_key = $6))
       ORDER BY c.created_at DESC, c.reference DESC LIMIT $7`,
      [
        tenantId,
        f.statuses?.length ? [...f.statuses] : null,
        f.urgency ?? null,
        f.categories?.length ? [...f.categories] : null,
        f.owner ?? null,
        f.pupilKey ?? null,
        f.limit ?? 500,
      ],
    );
    return rows.map((r) => this.toQueueRow(tenantId, r));
  }

  /**
   * Concerns about adults for their recipient: the headteacher's (recipient 'headteacher'), the
   * chair's ('chair'), plus any the person was given access to by the recipient.
   */
  async listPrivateConcerns(db: Db, tenantId: string, recipients: readonly RecipientRole[], aadObjectId: string): Promise<QueueRow[]> {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT ${QUEUE_COLUMNS}
       FROM concerns c JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       WHERE c.tenant_id = $1 AND c.recipient <> 'dsl-team'
         AND (c.recipient = ANY($2::text[]) OR EXISTS (
           SELECT 1 FROM concern_participants cp WHERE cp.tenant_id = c.tenant_id AND cp.concern_id = c.concern_id AND cp.aad_object_id = $3))
       ORDER BY c.created_at DESC LIMIT 500`,
      [tenantId, [...recipients], aadObjectId],
    );
    return rows.map((r) => this.toQueueRow(tenantId, r));
  }

  /** One concern as a queue line (any recipient: the caller has checked access). */
  async listQueueById(db: Db, tenantId: string, concernId: string): Promise<QueueRow[]> {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT ${QUEUE_COLUMNS}
       FROM concerns c JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       WHERE c.tenant_id = $1 AND c.concern_id = $2`,
      [tenantId, concernId],
    );
    return rows.map((r) => this.toQueueRow(tenantId, r));
  }

  private toQueueRow(tenantId: string, r: Record<string, unknown>): QueueRow {
    const dataKey = this.cipher.unwrapDataKey(r.wrapped_key as string, tenantId);
    return {
      concernId: r.concern_id as string,
      reference: r.reference as string,
      category: r.category as string,
      urgency: r.urgency as Urgency,
      status: r.status as ConcernStatus,
      about: r.about as ConcernAbout,
      recipient: r.recipient as RecipientRole,
      ownerAadId: (r.owner_aad_id as string | null) ?? undefined,
      ownerName: (r.owner_name as string | null) ?? undefined,
      riskLevel: (r.risk_level as string | null) ?? undefined,
      pupils: ((r.pupils_enc as string[] | null) ?? []).map((v) => this.cipher.decrypt(dataKey, v, tenantId)),
      createdAt: new Date(r.created_at as string),
      updatedAt: new Date(r.updated_at as string),
    };
  }

  /** Which concern rows a reporter made: reference, date and status only (no case details). */
  async listReportsBy(db: Db, tenantId: string, reporterAadId: string): Promise<StaffReportRow[]> {
    // A held delivery is found by its idempotency key (unique per tenant, so indexed); the keys
    // are made in services/report-concern.ts (heldRecipientMessage, deliveryMessages).
    const rows = await db.query<{ reference: string; status: ConcernStatus; created_at: string; recipient: RecipientRole; about: ConcernAbout; held_key: string | null }>(
      `SELECT c.reference, c.status, c.created_at, c.recipient, c.about,
              (SELECT o.idempotency_key FROM outbox o
                WHERE o.tenant_id = c.tenant_id AND o.status = 'held'
                  AND o.idempotency_key IN ('concern:' || c.concern_id || ':held-recipient', 'concern:' || c.concern_id || ':dsl-channel')
                LIMIT 1) AS held_key
         FROM concerns c WHERE c.tenant_id = $1 AND c.reporter_aad_id = $2 ORDER BY c.created_at DESC LIMIT 200`,
      [tenantId, reporterAadId],
    );
    return rows.map((r) => ({
      reference: r.reference,
      status: r.status,
      createdAt: new Date(r.created_at),
      recipient: r.recipient,
      about: r.about,
      held: r.held_key === null ? null : r.held_key.endsWith(':held-recipient') ? 'recipient' : 'dsl-channel',
    }));
  }

  /** The recipient and reference of a concern (to decide access before reading anything else). */
  async getRouting(db: Db, tenantId: string, concernId: string): Promise<{ concernId: string; reference: string; recipient: RecipientRole } | undefined> {
    const [row] = await db.query<{ reference: string; recipient: RecipientRole }>('SELECT reference, recipient FROM concerns WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    return row && { concernId, reference: row.reference, recipient: row.recipient };
  }

  /** The key of the pupil named at `position` in a concern (URLs carry ids, never names). */
  async pupilKeyAt(db: Db, tenantId: string, concernId: string, position: number): Promise<string | undefined> {
    const [row] = await db.query<{ pupil_key: string }>('SELECT pupil_key FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2 AND position = $3', [tenantId, concernId, position]);
    return row?.pupil_key;
  }

  /** Pupils of a concern with their positions (for links to each pupil's chronology). */
  async listPupilPositions(db: Db, tenantId: string, concernId: string): Promise<{ position: number; pupilKey: string }[]> {
    const rows = await db.query<{ position: number; pupil_key: string }>('SELECT position, pupil_key FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2 ORDER BY position', [tenantId, concernId]);
    return rows.map((r) => ({ position: Number(r.position), pupilKey: r.pupil_key }));
  }

  /** The DSL team's concerns naming a pupil (by key), oldest first. Concerns about adults never. */
  async listDslConcernIdsForPupil(db: Db, tenantId: string, pupilKey: string): Promise<string[]> {
    const rows = await db.query<{ concern_id: string }>(
      `SELECT c.concern_id FROM concerns c
       WHERE c.tenant_id = $1 AND c.recipient = 'dsl-team'
         AND EXISTS (SELECT 1 FROM concern_pupils p WHERE p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id AND p.pupil_key = $2)
       ORDER BY c.created_at, c.reference`,
      [tenantId, pupilKey],
    );
    return rows.map((r) => r.concern_id);
  }

  /**
   * Facts for the governors' anonymised report: category, status, dates. No names, no narrative.
   * Concerns reported from `since` up to (not including) `until`, each as it stood at `until`:
   * its status replayed from the chronology events before then, and its acknowledgement only if
   * it came before then. Nothing recorded from `until` on changes a fact, so a report of a past
   * period stays the same however often it is read.
   */
  async listConcernFacts(db: Db, tenantId: string, since: Date, until: Date): Promise<ConcernFact[]> {
    const rows = await db.query<{ concern_id: string; category: string; created_at: string; event_types: string[] | null; acknowledged_at: string | null }>(
      `SELECT c.concern_id, c.category, c.created_at,
         ARRAY(SELECT e.event_type FROM concern_events e WHERE e.tenant_id = c.tenant_id AND e.concern_id = c.concern_id AND e.occurred_at < $3 ORDER BY e.seq) AS event_types,
         (SELECT min(e.occurred_at) FROM concern_events e WHERE e.tenant_id = c.tenant_id AND e.concern_id = c.concern_id AND e.event_type = 'acknowledged' AND e.occurred_at < $3) AS acknowledged_at
       FROM concerns c WHERE c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3 ORDER BY c.created_at`,
      [tenantId, since, until],
    );
    return rows.map((r) => ({
      concernId: r.concern_id,
      category: r.category,
      status: statusAfterEvents(r.event_types ?? []),
      createdAt: new Date(r.created_at),
      acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at) : undefined,
    }));
  }

  /**
   * The outcome of each concern reported from `since` up to `until` that was closed at `until`
   * (its last closing or reopening before then was a closing): the outcome of that closing. The
   * outcome sits in the event's sealed details, so it is decrypted here and only the outcome id
   * leaves.
   */
  async listClosingOutcomes(db: Db, tenantId: string, since: Date, until: Date): Promise<string[]> {
    const rows = await db.query<{ wrapped_key: string; details_enc: string }>(
      `SELECT k.wrapped_key, e.details_enc FROM concerns c
       JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       JOIN LATERAL (SELECT event_type, details_enc FROM concern_events ev
                     WHERE ev.tenant_id = c.tenant_id AND ev.concern_id = c.concern_id AND ev.event_type IN ('closed', 'reopened') AND ev.occurred_at < $3
                     ORDER BY ev.seq DESC LIMIT 1) e ON true
       WHERE c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND e.event_type = 'closed'`,
      [tenantId, since, until],
    );
    return rows.map((r) => {
      const details = JSON.parse(this.cipher.decrypt(this.cipher.unwrapDataKey(r.wrapped_key, tenantId), r.details_enc, tenantId)) as { outcome?: unknown };
      return typeof details.outcome === 'string' ? details.outcome : 'unknown';
    });
  }
}
