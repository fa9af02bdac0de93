import type { Db } from './db';
import type { NarrativeCipher } from './narrative-cipher';
import { type ChainLink, GENESIS_HASH, type HashedEventFields, linkEvent, sealHead, type StoredEvent } from '../domain/concerns/chronology';
import { type Concern, type ConcernReport, type ConcernStatus, type Person, type RecipientRole } from '../domain/concerns/concern';
import { storedPupilKey } from '../domain/people/pupil-key';
import { type NewOutboxMessage, outboxInsertCte } from './outbox.repo';
import { routingInputsSql, StaleRoutingError } from './tenant.repo';

export interface NewConcern {
  tenantId: string;
  concernId: string;
  reporter: Person;
  report: ConcernReport;
  recipient: RecipientRole;
  submissionId?: string;
  now: Date;
}

/** A chronology event as the product shows it: details decrypted. */
export interface ChronologyEvent {
  seq: number;
  type: string;
  actor: Person;
  occurredAt: Date;
  details: Record<string, unknown>;
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

  /**
   * Inserts the concern, its data key, its pupils, its first chronology event and its outbox
   * rows (`outbox`, the deliveries that carry it) in ONE statement, which is atomic on its own:
   * no transaction is needed unless the caller writes more. This is the intake's hot path.
   * With `routingInputs` (what loadRoutingDirectory read) the statement first checks that the
   * store still holds them, and otherwise writes nothing at all and throws StaleRoutingError.
   */
  async insert(
    db: Db,
    c: NewConcern,
    firstEvent: Omit<ChronologyEntry, 'occurredAt'>,
    writes: { outbox?: readonly NewOutboxMessage[]; routingInputs?: string } = {},
  ): Promise<{ reference: string; dataKey: Buffer }> {
    const { dataKey, wrapped, masterKeyId } = this.cipher.newDataKey(c.tenantId);
    const seal = (v: string | undefined) => (v === undefined ? null : this.cipher.encrypt(dataKey, v, c.tenantId));
    const event = this.sealEvent(c.tenantId, c.concernId, 1, dataKey, { ...firstEvent, occurredAt: c.now });
    const chronologyKeys = this.cipher.chronologyKeys();
    const { hash, hashVersion, keyId } = linkEvent(chronologyKeys, GENESIS_HASH, event);
    const headSeal = sealHead(chronologyKeys, { tenantId: c.tenantId, concernId: c.concernId, count: 1, headHash: hash });
    const r = c.report;
    // ONE statement (the intake's hot path): the reference counter, the data key, the concern,
    // its pupils, its first chronology event and its outbox rows, each written only if `ok`
    // (the routing check) has its row. Foreign keys are checked at the statement's end, when
    // every part is in place. The reference is formatted as formatReference does.
    const params: unknown[] = [
      c.tenantId, c.concernId, c.now.getUTCFullYear(), c.reporter.aadObjectId, c.reporter.name, r.about, r.category, r.urgency,
      r.occurredOn, r.occurredTime ?? null, seal(r.location), seal(r.whatHappened), seal(r.childWords), seal(r.actionTaken),
      seal(r.adultName), c.recipient, c.submissionId ?? null, c.now, masterKeyId, wrapped, hash,
      r.pupils.map((name, i) => storedPupilKey(name, c.concernId, i)), r.pupils.map((name) => seal(name)),
      event.type, event.actorAadId, event.actorName, event.occurredAt, event.detailsSealed, GENESIS_HASH,
      hashVersion, keyId, headSeal.keyId, headSeal.tag,
    ];
    let check = 'true';
    if (writes.routingInputs !== undefined) {
      params.push(writes.routingInputs);
      check = `${routingInputsSql('$1')} = $${params.length}::text`;
    }
    const outbox = writes.outbox ?? [];
    const outboxRows = outbox.length ? `, outbox_rows AS (\n         ${outboxInsertCte('$1', outbox, params, 'ok')}\n       )` : '';
    const [row] = await db.query<{ reference: string }>(
      `WITH ok AS (
         SELECT 1 WHERE ${check}
       ), counter AS (
         INSERT INTO concern_reference_counters (tenant_id, year, last_value) SELECT $1, $3, 1 FROM ok
         ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = concern_reference_counters.last_value + 1
         RETURNING last_value
       ), ref AS (
         SELECT 'C-' || $3::int || '-' || lpad(last_value::text, greatest(5, length(last_value::text)), '0') AS reference FROM counter
       ), key AS (
         INSERT INTO concern_keys (tenant_id, concern_id, master_key_id, wrapped_key) SELECT $1, $2, $19, $20 FROM ok
       ), pupils AS (
         INSERT INTO concern_pupils (tenant_id, concern_id, position, pupil_key, name_enc)
         SELECT $1, $2, p.position - 1, p.pupil_key, p.name_enc
         FROM unnest($22::text[], $23::text[]) WITH ORDINALITY AS p(pupil_key, name_enc, position) CROSS JOIN ok
       ), event AS (
         INSERT INTO concern_events (tenant_id, concern_id, seq, event_type, actor_aad_id, actor_name, occurred_at, details_enc, prev_hash, hash, hash_version, hash_key_id)
         SELECT $1, $2, 1, $24, $25, $26, $27, $28, $29, $21, $30, $31 FROM ok
       )${outboxRows}
       INSERT INTO concerns (tenant_id, concern_id, reference, reporter_aad_id, reporter_name, about, category, urgency,
         occurred_on, occurred_time, location_enc, what_happened_enc, child_words_enc, action_taken_enc, adult_subject_enc,
         recipient, status, client_submission_id, created_at, updated_at, event_count, head_hash, head_key_id, head_tag)
       SELECT $1,$2,ref.reference,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,'new',$17,$18,$18,1,$21,$32,$33 FROM ref
       RETURNING reference`,
      params,
    );
    if (!row) throw new StaleRoutingError();
    return { reference: row.reference, dataKey };
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
    return (await this.getWithKey(db, tenantId, concernId))?.concern;
  }

  /**
   * The concern decrypted, with its data key for further reads (its events): one round trip for
   * the row, the wrapped key and the pupils, since every card and view starts here.
   */
  async getWithKey(db: Db, tenantId: string, concernId: string): Promise<{ concern: Concern; dataKey: Buffer } | undefined> {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT c.*, c.occurred_on::text AS occurred_on_text, k.wrapped_key,
         ARRAY(SELECT p.name_enc FROM concern_pupils p WHERE p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id ORDER BY p.position) AS pupils_enc
       FROM concerns c JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       WHERE c.tenant_id = $1 AND c.concern_id = $2`,
      [tenantId, concernId],
    );
    return row && this.openConcern(row, tenantId, concernId);
  }

  /**
   * Everything a card about the concern reads, in ONE round trip (the outbox worker renders a
   * card per delivery): the concern decrypted with its key, its row as stored (`row`, the triage
   * state), the school's time zone, its newest `eventLimit` events decrypted (oldest first), and
   * for a concern of the DSL team the roster's Teams ids in roster order (listDslMembers').
   */
  async getForCard(
    db: Db,
    tenantId: string,
    concernId: string,
    eventLimit: number,
  ): Promise<{ concern: Concern; dataKey: Buffer; row: Record<string, unknown>; timeZone: string; recentEvents: ChronologyEvent[]; dslTeamsUserIds?: string[] } | undefined> {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT c.*, c.occurred_on::text AS occurred_on_text, k.wrapped_key, t.timezone,
         ARRAY(SELECT p.name_enc FROM concern_pupils p WHERE p.tenant_id = c.tenant_id AND p.concern_id = c.concern_id ORDER BY p.position) AS pupils_enc,
         (SELECT coalesce(json_agg(e ORDER BY e.seq), '[]'::json)
          FROM (SELECT seq, event_type, actor_aad_id, actor_name, occurred_at, details_enc FROM concern_events
                WHERE tenant_id = c.tenant_id AND concern_id = c.concern_id ORDER BY seq DESC LIMIT $3) e) AS recent_events,
         CASE WHEN c.recipient = 'dsl-team' THEN
           ARRAY(SELECT m.teams_user_id FROM dsl_members m WHERE m.tenant_id = c.tenant_id ORDER BY m.display_name, m.aad_object_id)
         END AS dsl_teams_user_ids
       FROM concerns c
       JOIN concern_keys k ON k.tenant_id = c.tenant_id AND k.concern_id = c.concern_id
       JOIN tenants t ON t.tenant_id = c.tenant_id
       WHERE c.tenant_id = $1 AND c.concern_id = $2`,
      [tenantId, concernId, eventLimit],
    );
    if (!row) return undefined;
    const { concern, dataKey } = this.openConcern(row, tenantId, concernId);
    const events = (typeof row.recent_events === 'string' ? JSON.parse(row.recent_events) : row.recent_events) as Record<string, unknown>[];
    return {
      concern,
      dataKey,
      row,
      timeZone: (row.timezone as string | null) ?? 'Europe/London',
      recentEvents: events.map((e) => this.openEvent(e, dataKey, tenantId)),
      dslTeamsUserIds: (row.dsl_teams_user_ids as string[] | null) ?? undefined,
    };
  }

  private openConcern(row: Record<string, unknown>, tenantId: string, concernId: string): { concern: Concern; dataKey: Buffer } {
    const dataKey = this.cipher.unwrapDataKey(row.wrapped_key as string, tenantId);
    const open = (v: unknown) => (typeof v === 'string' ? this.cipher.decrypt(dataKey, v, tenantId) : undefined);
    const concern: Concern = {
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
      pupils: ((row.pupils_enc as string[] | null) ?? []).map((p) => open(p) ?? ''),
      recipient: row.recipient as RecipientRole,
      status: row.status as ConcernStatus,
      createdAt: new Date(row.created_at as string),
    };
    return { concern, dataKey };
  }

  private openEvent(r: Record<string, unknown>, dataKey: Buffer, tenantId: string): ChronologyEvent {
    return {
      seq: Number(r.seq),
      type: r.event_type as string,
      actor: { aadObjectId: r.actor_aad_id as string, name: r.actor_name as string },
      occurredAt: new Date(r.occurred_at as string),
      details: JSON.parse(this.cipher.decrypt(dataKey, r.details_enc as string, tenantId)) as Record<string, unknown>,
    };
  }

  async getReference(db: Db, tenantId: string, concernId: string): Promise<string | undefined> {
    const [row] = await db.query<{ reference: string }>('SELECT reference FROM concerns WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    return row?.reference;
  }

  /**
   * Appends one chronology event, chained to the previous one (keyed: the active master key's
   * chronology key) and seals the concern's new count and head hash. Locks the concern row so
   * two writers cannot fork the chain; the database refuses any later update or delete of events.
   */
  async appendEvent(tx: Db, tenantId: string, concernId: string, dataKey: Buffer, entry: ChronologyEntry): Promise<StoredEvent> {
    const [head] = await tx.query<{ event_count: number; head_hash: string }>(
      'SELECT event_count, head_hash FROM concerns WHERE tenant_id = $1 AND concern_id = $2 FOR UPDATE',
      [tenantId, concernId],
    );
    if (!head) throw new Error('concern not found');
    const fields = this.sealEvent(tenantId, concernId, head.event_count + 1, dataKey, entry);
    const prevHash = head.event_count === 0 ? GENESIS_HASH : head.head_hash;
    const chronologyKeys = this.cipher.chronologyKeys();
    const link = linkEvent(chronologyKeys, prevHash, fields);
    const seal = sealHead(chronologyKeys, { tenantId, concernId, count: fields.seq, headHash: link.hash });
    await this.insertEventRow(tx, fields, prevHash, link);
    await tx.query('UPDATE concerns SET event_count = $3, head_hash = $4, head_key_id = $5, head_tag = $6, updated_at = now() WHERE tenant_id = $1 AND concern_id = $2', [
      tenantId, concernId, fields.seq, link.hash, seal.keyId, seal.tag,
    ]);
    return { ...fields, prevHash, hash: link.hash, hashVersion: link.hashVersion, keyId: link.keyId };
  }

  private sealEvent(tenantId: string, concernId: string, seq: number, dataKey: Buffer, entry: ChronologyEntry): HashedEventFields {
    return {
      tenantId,
      concernId,
      seq,
      type: entry.type,
      actorAadId: entry.actor.aadObjectId,
      actorName: entry.actor.name,
      // Millisecond precision: what both stores keep, so a re-read event hashes the same.
      occurredAt: new Date(Math.floor(entry.occurredAt.getTime())),
      detailsSealed: this.cipher.encrypt(dataKey, JSON.stringify(entry.details), tenantId),
    };
  }

  private async insertEventRow(tx: Db, e: HashedEventFields, prevHash: string, link: ChainLink): Promise<void> {
    await tx.query(
      `INSERT INTO concern_events (tenant_id, concern_id, seq, event_type, actor_aad_id, actor_name, occurred_at, details_enc, prev_hash, hash, hash_version, hash_key_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [e.tenantId, e.concernId, e.seq, e.type, e.actorAadId, e.actorName, e.occurredAt, e.detailsSealed, prevHash, link.hash, link.hashVersion, link.keyId],
    );
  }

  async listStoredEvents(db: Db, tenantId: string, concernId: string): Promise<StoredEvent[]> {
    return listStoredEvents(db, tenantId, concernId);
  }

  /** The chronology with details decrypted (newest last). `limit` keeps only the newest events. */
  async listEvents(db: Db, tenantId: string, concernId: string, options: { limit?: number; dataKey?: Buffer } = {}): Promise<ChronologyEvent[]> {
    const dataKey = options.dataKey ?? (await this.dataKey(db, tenantId, concernId));
    const rows = await db.query<Record<string, unknown>>(
      options.limit
        ? 'SELECT * FROM (SELECT * FROM concern_events WHERE tenant_id = $1 AND concern_id = $2 ORDER BY seq DESC LIMIT $3) newest ORDER BY seq'
        : 'SELECT * FROM concern_events WHERE tenant_id = $1 AND concern_id = $2 ORDER BY seq',
      options.limit ? [tenantId, concernId, options.limit] : [tenantId, concernId],
    );
    return rows.map((r) => this.openEvent(r, dataKey, tenantId));
  }

  /**
   * Links more pupils to a concern (names sealed, keys normalised); pupils already linked by
   * key are skipped. Returns the keys added. Call inside the triage transaction.
   */
  async addPupils(tx: Db, tenantId: string, concernId: string, dataKey: Buffer, names: readonly string[], linkedBy: string): Promise<string[]> {
    const existing = await tx.query<{ pupil_key: string; position: number }>('SELECT pupil_key, position FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2', [tenantId, concernId]);
    const keys = new Set(existing.map((r) => r.pupil_key));
    let position = existing.reduce((max, r) => Math.max(max, Number(r.position)), -1);
    const added: string[] = [];
    for (const name of names) {
      const key = storedPupilKey(name, concernId, position + 1);
      if (keys.has(key)) continue;
      keys.add(key);
      position += 1;
      await tx.query(
        `INSERT INTO concern_pupils (tenant_id, concern_id, position, pupil_key, name_enc, source, linked_by) VALUES ($1, $2, $3, $4, $5, 'linked', $6)`,
        [tenantId, concernId, position, key, this.cipher.encrypt(dataKey, name, tenantId), linkedBy],
      );
      added.push(key);
    }
    return added;
  }

  /** One pupil's name as recorded in a concern (decrypted), by position. */
  async pupilName(db: Db, tenantId: string, concernId: string, position: number): Promise<string | undefined> {
    const [row] = await db.query<{ name_enc: string }>('SELECT name_enc FROM concern_pupils WHERE tenant_id = $1 AND concern_id = $2 AND position = $3', [tenantId, concernId, position]);
    if (!row) return undefined;
    return this.cipher.decrypt(await this.dataKey(db, tenantId, concernId), row.name_enc, tenantId);
  }
}

/** A concern's chronology as stored (details sealed): what the hash chain covers (no decryption). */
export async function listStoredEvents(db: Db, tenantId: string, concernId: string): Promise<StoredEvent[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM concern_events WHERE tenant_id = $1 AND concern_id = $2 ORDER BY seq', [tenantId, concernId]);
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
    // NULL: written before keyed chronology (version 1).
    hashVersion: r.hash_version === null || r.hash_version === undefined ? 1 : Number(r.hash_version),
    keyId: (r.hash_key_id as string | null | undefined) ?? null,
  }));
}
