import type { Db } from './db';
import type { NarrativeCipher } from './narrative-cipher';
import { GENESIS_HASH, hashEvent, type StoredEvent } from '../domain/concerns/chronology';
import { type Concern, type ConcernReport, type ConcernStatus, formatReference, type Person, type RecipientRole } from '../domain/concerns/concern';
import { normalisePupilKey } from '../domain/people/pupil-key';

export interface NewConcern {
  tenantId: string;
  concernId: string;
  reporter: Person;
  report: ConcernReport;
  recipient: RecipientRole;
  submissionId?: string;
  now: Date;
}

export interface ChronologyEntry {
  type: string;
  actor: Person;
  occurredAt: Date;
  details: Record<string, unknown>;
}

/**
 * SQL for concerns, their pupils and their chronology. Narrative goes in and out through the
 * cipher: the database holds only ciphertext; callers see plaintext.
 */
export class ConcernRepository {
  constructor(private readonly cipher: NarrativeCipher) {}

  /** Allocates the next C-YYYY-NNNNN reference (gap-free per tenant and year; inside the caller's transaction). */
  async nextReference(tx: Db, tenantId: string, year: number): Promise<string> {
    const [row] = await tx.query<{ last_value: number }>(
      `INSERT INTO concern_reference_counters (tenant_id, year, last_value) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = concern_reference_counters.last_value + 1
       RETURNING last_value`,
      [tenantId, year],
    );
    return formatReference(year, row.last_value);
  }

  /** Inserts the concern, its pupils and its data key. Call inside a transaction. */
  async insert(tx: Db, c: NewConcern): Promise<{ reference: string; dataKey: Buffer }> {
    const reference = await this.nextReference(tx, c.tenantId, c.now.getUTCFullYear());
    const { dataKey, wrapped, masterKeyId } = this.cipher.newDataKey(c.tenantId);
    const seal = (v: string | undefined) => (v === undefined ? null : this.cipher.encrypt(dataKey, v, c.tenantId));
    await tx.query('INSERT INTO concern_keys (tenant_id, concern_id, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)', [c.tenantId, c.concernId, masterKeyId, wrapped]);
    const r = c.report;
    await tx.query(
      `INSERT INTO concerns (tenant_id, concern_id, reference, reporter_aad_id, reporter_name, about, category, urgency,
         occurred_on, occurred_time, location_enc, what_happened_enc, child_words_enc, action_taken_enc, adult_subject_enc,
         recipient, status, client_submission_id, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,'new',$17,$18,$18)`,
      [
        c.tenantId, c.concernId, reference, c.reporter.aadObjectId, c.reporter.name, r.about, r.category, r.urgency,
        r.occurredOn, r.occurredTime ?? null, seal(r.location), seal(r.whatHappened), seal(r.childWords), seal(r.actionTaken),
        seal(r.adultName), c.recipient, c.submissionId ?? null, c.now,
      ],
    );
    for (let i = 0; i < r.pupils.length; i++) {
      await tx.query('INSERT INTO concern_pupils (tenant_id, concern_id, position, pupil_key, name_enc) VALUES ($1, $2, $3, $4, $5)', [
        c.tenantId, c.concernId, i, normalisePupilKey(r.pupils[i]), seal(r.pupils[i]),
      ]);
    }
    return { reference, dataKey };
  }

  async findBySubmission(db: Db, tenantId: string, reporterAadId: string, submissionId: string): Promise<Concern | undefined> {
    const [row] = await db.query<{ concern_id: string }>(
      'SELECT concern_id FROM concerns WHERE tenant_id = $1 AND reporter_aad_id = $2 AND client_submission_id = $3',
      [tenantId, reporterAadId, submissionId],
    );
    return row ? this.get(db, tenantId, row.concern_id) : undefined;
  }

  async dataKey(db: Db, tenantId: string, concernId: string): Promise<Buffer> {
    const [row] = await db.query<{ wrapped_key: string }>('SELECT wrapped_key FROM concern_keys WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    if (!row) throw new Error('concern key missing');
    return this.cipher.unwrapDataKey(row.wrapped_key, tenantId);
  }

  async get(db: Db, tenantId: string, concernId: string): Promise<Concern | undefined> {
    const [row] = await db.query<Record<string, unknown>>('SELECT *, occurred_on::text AS occurred_on_text FROM concerns WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    if (!row) return undefined;
    const dataKey = await this.dataKey(db, tenantId, concernId);
    const open = (v: unknown) => (typeof v === 'string' ? this.cipher.decrypt(dataKey, v, tenantId) : undefined);
    const pupils = await db.query<{ name_enc: string }>('SELECT name_enc FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2 ORDER BY position', [tenantId, concernId]);
    return {
      tenantId,
      concernId,
      reference: row.reference as string,
      reporter: { aadObjectId: row.reporter_aad_id as string, name: row.reporter_name as string },
      about: row.about as Concern['about'],
      adultName: open(row.adult_subject_enc),
      category: row.category as Concern['category'],
      urgency: row.urgency as Concern['urgency'],
      occurredOn: row.occurred_on_text as string,
      occurredTime: (row.occurred_time as string | null) ?? undefined,
      location: open(row.location_enc) ?? '',
      whatHappened: open(row.what_happened_enc) ?? '',
      childWords: open(row.child_words_enc),
      actionTaken: open(row.action_taken_enc),
      pupils: pupils.map((p) => open(p.name_enc) ?? ''),
      recipient: row.recipient as RecipientRole,
      status: row.status as ConcernStatus,
      createdAt: new Date(row.created_at as string),
    };
  }

  async getReference(db: Db, tenantId: string, concernId: string): Promise<string | undefined> {
    const [row] = await db.query<{ reference: string }>('SELECT reference FROM concerns WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    return row?.reference;
  }

  /**
   * Appends one chronology event, chained to the previous one. Locks the concern row so two
   * writers cannot fork the chain; the database refuses any later update or delete of events.
   */
  async appendEvent(tx: Db, tenantId: string, concernId: string, dataKey: Buffer, entry: ChronologyEntry): Promise<StoredEvent> {
    const [head] = await tx.query<{ event_count: number; head_hash: string }>(
      'SELECT event_count, head_hash FROM concerns WHERE tenant_id = $1 AND concern_id = $2 FOR UPDATE',
      [tenantId, concernId],
    );
    if (!head) throw new Error('concern not found');
    const fields = {
      tenantId,
      concernId,
      seq: head.event_count + 1,
      type: entry.type,
      actorAadId: entry.actor.aadObjectId,
      actorName: entry.actor.name,
      occurredAt: new Date(Math.floor(entry.occurredAt.getTime())),
      detailsSealed: this.cipher.encrypt(dataKey, JSON.stringify(entry.details), tenantId),
    };
    const prevHash = head.event_count === 0 ? GENESIS_HASH : head.head_hash;
    const hash = hashEvent(prevHash, fields);
    await tx.query(
      `INSERT INTO concern_events (tenant_id, concern_id, seq, event_type, actor_aad_id, actor_name, occurred_at, details_enc, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [tenantId, concernId, fields.seq, fields.type, fields.actorAadId, fields.actorName, fields.occurredAt, fields.detailsSealed, prevHash, hash],
    );
    await tx.query('UPDATE concerns SET event_count = $3, head_hash = $4, updated_at = now() WHERE tenant_id = $1 AND concern_id = $2', [
      tenantId, concernId, fields.seq, hash,
    ]);
    return { ...fields, prevHash, hash };
  }

  async listStoredEvents(db: Db, tenantId: string, concernId: string): Promise<StoredEvent[]> {
    const rows = await db.query<Record<string, unknown>>(
      'SELECT * FROM concern_events WHERE tenant_id = $1 AND concern_id = $2 ORDER BY seq',
      [tenantId, concernId],
    );
    return rows.map((r) => ({
      tenantId,
      concernId,
      seq: Number(r.seq),
      type: r.event_type as string,
      actorAadId: r.actor_aad_id as string,
      actorName: r.actor_name as string,
      occurredAt: new Date(r.occurred_at as string),
      detailsSealed: r.details_enc as string,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }));
  }
}
