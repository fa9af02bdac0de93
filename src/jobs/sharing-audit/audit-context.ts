import type { PupilNameIndex } from '../../domain/sharing/pupil-names';
import type { Db } from '../../store/db';
import type { AuditFailure } from '../../store/sharing-runs.repo';
import type { AuditPhase, ContentSource, DriveDeltaSource, PermissionSource } from './ports';

/** What every phase of one audit run shares. */
export interface AuditContext {
  db: Db;
  tenantId: string;
  runId: string;
  verifiedDomains: readonly string[];
  roster: PupilNameIndex | null;
  delta: DriveDeltaSource;
  permissions: PermissionSource;
  content: ContentSource;
  now: () => Date;
  /** Per-item failures, kept and reported at the end rather than thrown. */
  failures: AuditFailure[];
  counters: { itemsEnumerated: number; rootsFetched: number; itemsAnalysed: number; contentRead: number };
  /** Roots per permissions request (the edge splits them into `$batch` of 20). */
  permissionBatchSize: number;
  /** Exposed items per evidence page (constant memory whatever the drive's size). */
  analysisPageSize: number;
  /** Content reads in flight at once. */
  contentConcurrency: number;
  /** `when-needed`: read content only when the item's name gives no evidence (cheapest first). */
  contentEvidence: 'always' | 'when-needed';
  report: (phase: AuditPhase, driveId: string | null) => void;
}

// A run keeps at most this many failure records; the count beyond is still reported.
export const MAX_FAILURE_RECORDS = 500;

export function recordFailure(context: AuditContext, failure: AuditFailure): void {
  if (context.failures.length < MAX_FAILURE_RECORDS) context.failures.push(failure);
}

/** Only the error's class and a trimmed message: errors can echo URLs with tokens. */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.replace(/[\u0000-\u001f]/g, ' ').replace(/(token|code|sig)=[^&\s]+/gi, '$1=…').slice(0, 200)}`;
  return String(err).slice(0, 200);
}
