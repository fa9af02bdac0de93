import type { Db } from './db';

export interface PupilFileTransfer {
  transferId: string;
  destinationSchool: string;
  concernCount: number;
  exportedByName: string;
  exportedAt: Date;
  receiptConfirmedAt?: Date;
  receiptNote?: string;
}

export async function insertTransfer(db: Db, t: { tenantId: string; transferId: string; pupilKey: string; destinationSchool: string; concernCount: number; exportedBy: string; exportedByName: string; at: Date }): Promise<void> {
  await db.query(
    `INSERT INTO pupil_file_transfers (tenant_id, transfer_id, pupil_key, destination_school, concern_count, exported_by, exported_by_name, exported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [t.tenantId, t.transferId, t.pupilKey, t.destinationSchool, t.concernCount, t.exportedBy, t.exportedByName, t.at],
  );
}

export async function listTransfers(db: Db, tenantId: string, pupilKey: string): Promise<PupilFileTransfer[]> {
  const rows = await db.query<Record<string, unknown>>(
    'SELECT * FROM pupil_file_transfers WHERE tenant_id = $1 AND pupil_key = $2 ORDER BY exported_at DESC',
    [tenantId, pupilKey],
  );
  return rows.map((r) => ({
    transferId: r.transfer_id as string,
    destinationSchool: r.destination_school as string,
    concernCount: Number(r.concern_count),
    exportedByName: r.exported_by_name as string,
    exportedAt: new Date(r.exported_at as string),
    receiptConfirmedAt: r.receipt_confirmed_at ? new Date(r.receipt_confirmed_at as string) : undefined,
    receiptNote: (r.receipt_note as string | null) ?? undefined,
  }));
}

/** Records receipt once; false when the transfer is unknown (in this tenant) or already confirmed. */
export async function confirmTransferReceipt(db: Db, tenantId: string, transferId: string, by: string, note: string, at: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE pupil_file_transfers SET receipt_confirmed_at = $4, receipt_confirmed_by = $3, receipt_note = $5
     WHERE tenant_id = $1 AND transfer_id = $2 AND receipt_confirmed_at IS NULL RETURNING 1`,
    [tenantId, transferId, by, at, note],
  );
  return rows.length === 1;
}
