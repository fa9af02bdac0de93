import type { ExposureScope } from '../domain/sharing/types';
import type { Db } from './db';
import { toIso } from './sharing-drives.repo';

/** The audit trail of remediation, and owners' answers to "Notify owners". */

export type RemediationOutcome = 'removed' | 'would-remove' | 'refused-inherited' | 'not-found' | 'failed';

export interface RemediationRecord {
  findingId: string;
  driveId: string;
  itemId: string;
  permissionId: string;
  scope: ExposureScope | null;
  linkType: string | null;
  dryRun: boolean;
  outcome: RemediationOutcome;
  detail: string | null;
  actor: { id: string; name: string };
  stillExposed: boolean | null;
}

export interface StoredRemediation extends RemediationRecord {
  remediationId: number;
  createdAt: string;
}

export async function insertRemediation(db: Db, tenantId: string, record: RemediationRecord, at: Date): Promise<number> {
  const rows = await db.query<{ remediation_id: string | number }>(
    `INSERT INTO remediations (tenant_id, finding_id, drive_id, item_id, permission_id, scope, link_type, dry_run, outcome, detail,
       actor_id, actor_name, still_exposed, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING remediation_id`,
    [
      tenantId,
      record.findingId,
      record.driveId,
      record.itemId,
      record.permissionId,
      record.scope,
      record.linkType,
      record.dryRun,
      record.outcome,
      record.detail,
      record.actor.id,
      record.actor.name,
      record.stillExposed,
      at.toISOString(),
    ],
  );
  return Number(rows[0].remediation_id);
}

export async function listRemediations(db: Db, tenantId: string, findingId: string): Promise<StoredRemediation[]> {
  const rows = await db.query<{
    remediation_id: string | number;
    finding_id: string;
    drive_id: string;
    item_id: string;
    permission_id: string;
    scope: ExposureScope | null;
    link_type: string | null;
    dry_run: boolean;
    outcome: RemediationOutcome;
    detail: string | null;
    actor_id: string;
    actor_name: string;
    still_exposed: boolean | null;
    created_at: Date | string;
  }>(
    `SELECT remediation_id, finding_id, drive_id, item_id, permission_id, scope, link_type, dry_run, outcome, detail, actor_id,
       actor_name, still_exposed, created_at
     FROM remediations WHERE tenant_id = $1 AND finding_id = $2 ORDER BY remediation_id`,
    [tenantId, findingId],
  );
  return rows.map((r) => ({
    remediationId: Number(r.remediation_id),
    findingId: r.finding_id,
    driveId: r.drive_id,
    itemId: r.item_id,
    permissionId: r.permission_id,
    scope: r.scope,
    linkType: r.link_type,
    dryRun: r.dry_run,
    outcome: r.outcome,
    detail: r.detail,
    actor: { id: r.actor_id, name: r.actor_name },
    stillExposed: r.still_exposed,
    createdAt: toIso(r.created_at)!,
  }));
}

/** A finding listed in an owner's digest: one row each, awaiting the owner's answer. */
export interface NewOwnerNotification {
  notificationId: string;
  findingId: string;
  owner: { id: string | null; email: string | null };
}

/** Rows per statement: the embedded store runs each on the app's thread, so none may be long. */
const NOTIFICATION_ROWS_PER_STATEMENT = 5_000;

/** Records the findings listed in owners' digests; recording one again is a no-op. */
export async function recordOwnerNotifications(db: Db, tenantId: string, rows: readonly NewOwnerNotification[], sentAt: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += NOTIFICATION_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + NOTIFICATION_ROWS_PER_STATEMENT);
    await db.query(
      `INSERT INTO owner_notifications (tenant_id, notification_id, finding_id, owner_id, owner_email, sent_at)
       SELECT $1, n.notification_id, n.finding_id, n.owner_id, n.owner_email, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS n(notification_id, finding_id, owner_id, owner_email)
       ON CONFLICT (tenant_id, notification_id, finding_id) DO NOTHING`,
      [tenantId, sentAt.toISOString(), chunk.map((r) => r.notificationId), chunk.map((r) => r.findingId), chunk.map((r) => r.owner.id), chunk.map((r) => r.owner.email)],
    );
  }
}

/** The owner pressed "Remove link" or "Keep (reason)". Only the notified owner may answer. */
export async function recordOwnerResponse(
  db: Db,
  tenantId: string,
  notificationId: string,
  findingId: string,
  answer: { response: 'remove' | 'keep'; reason: string | null; byId: string; at: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE owner_notifications SET response = $4, response_reason = $5, responded_by_id = $6, responded_at = $7
     WHERE tenant_id = $1 AND notification_id = $2 AND finding_id = $3 AND owner_id = $6
     RETURNING finding_id`,
    [tenantId, notificationId, findingId, answer.response, answer.reason, answer.byId, answer.at.toISOString()],
  );
  return rows.length === 1;
}

export interface OwnerNotificationRow {
  notificationId: string;
  findingId: string;
  ownerId: string | null;
  response: 'remove' | 'keep' | null;
  responseReason: string | null;
  respondedAt: string | null;
}

type OwnerNotificationDbRow = {
  notification_id: string;
  finding_id: string;
  owner_id: string | null;
  response: 'remove' | 'keep' | null;
  response_reason: string | null;
  responded_at: Date | string | null;
};

const OWNER_NOTIFICATION_COLUMNS = 'notification_id, finding_id, owner_id, response, response_reason, responded_at';

function toOwnerNotification(r: OwnerNotificationDbRow): OwnerNotificationRow {
  return {
    notificationId: r.notification_id,
    findingId: r.finding_id,
    ownerId: r.owner_id,
    response: r.response,
    responseReason: r.response_reason,
    respondedAt: toIso(r.responded_at),
  };
}

export async function listOwnerNotifications(db: Db, tenantId: string, findingId: string): Promise<OwnerNotificationRow[]> {
  const rows = await db.query<OwnerNotificationDbRow>(
    `SELECT ${OWNER_NOTIFICATION_COLUMNS} FROM owner_notifications WHERE tenant_id = $1 AND finding_id = $2 ORDER BY sent_at, notification_id`,
    [tenantId, findingId],
  );
  return rows.map(toOwnerNotification);
}

/** One owner's digest: its findings and the owner's answers (for rendering the card). */
export async function listNotificationFindings(db: Db, tenantId: string, notificationId: string): Promise<OwnerNotificationRow[]> {
  const rows = await db.query<OwnerNotificationDbRow>(
    `SELECT ${OWNER_NOTIFICATION_COLUMNS} FROM owner_notifications WHERE tenant_id = $1 AND notification_id = $2 ORDER BY finding_id`,
    [tenantId, notificationId],
  );
  return rows.map(toOwnerNotification);
}
