import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Db } from '../store/db';
import {
  allowPurgeInTransaction,
  countAupAcknowledgementsBefore,
  countAupSendsBefore,
  deleteAupAcknowledgementsBefore,
  deleteAupSendsBefore,
  deleteConcern,
  deleteFinding,
  getRetentionPolicy,
  listConcernsRecordedBefore,
  listFindingsLastSeenBefore,
  listTenantIds,
  recordPurge,
} from '../store/retention.repo';
import { listHoldsInForce } from '../store/legal-hold.repo';

/**
 * The retention job: first a plan (the dry-run report), then the purge of exactly what the plan
 * lists, each record in its own transaction, each recorded in retention_purges by reference and
 * counts — never content.
 *
 * Periods (safeguarding-practice.md, "Records"), each overridable per tenant (retention_policies):
 * - concerns: until the pupil's 25th birthday. Jigsaw holds no date of birth yet, so a concern
 *   is kept for RETENTION_CONCERN_YEARS (default 25) after it was recorded — at least as long as
 *   the 25th birthday of a pupil of any age. Only closed concerns are purged: an expired concern
 *   that is still open is reported as held, for a DSL to close or review first.
 * - concerns about adults (allegations about staff, the headteacher): never purged by this job.
 *   KCSIE keeps them until the person's normal pension age or 10 years from the allegation,
 *   whichever is longer, and Jigsaw does not know the person's age; a pupil's period (which a
 *   school may set as short as 1 year) could delete one years early. They are reported as held,
 *   for the DSL or DPO to decide by hand.
 * - a concern on legal hold (its own, or the school's tenant-wide hold: `jigsaw retention --hold`)
 *   is never purged, whatever its period; the dry run lists the holds with reason, date and who.
 * - AUP acknowledgements and sends: RETENTION_AUP_YEARS (default 6) after the event.
 * - sharing-audit findings: RETENTION_AUDIT_FINDINGS_DAYS (default 365) after an audit last saw them.
 * To purge a new kind of record, add a step here and its SQL in store/retention.repo.ts.
 */
export interface TenantRetentionPlan {
  tenantId: string;
  periods: { concernYears: number; aupYears: number; auditFindingsDays: number };
  cutoffs: { concerns: Date; aup: Date; auditFindings: Date };
  concerns: { reference: string; concernId: string; recordedAt: Date }[];
  /** Past their period but still open: not purged. */
  heldOpenConcerns: { reference: string; status: string; recordedAt: Date }[];
  /** Concerns about adults past the pupils' period: kept (KCSIE's period needs their age). */
  heldAdultConcerns: { reference: string; recordedAt: Date }[];
  /** Concerns on a legal hold of their own (due or not): never purged while it is in force. */
  legalHolds: { reference: string; reason: string; since: Date; by: string }[];
  /** A legal hold on every concern of the school: none is purged while it is in force. */
  tenantLegalHold?: { reason: string; since: Date; by: string };
  aupAcknowledgements: number;
  aupSends: number;
  auditFindings: { findingId: string; lastSeenAt: Date }[];
}

export interface RetentionPlan {
  generatedAt: Date;
  tenants: TenantRetentionPlan[];
}

export interface RetentionResult {
  runId: string;
  purged: { tenantId: string; concerns: number; aupAcknowledgements: number; aupSends: number; auditFindings: number; rows: Record<string, number> }[];
}

function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

export async function planRetention(db: Db, defaults: Config['retention'], now: Date, options: { tenantId?: string } = {}): Promise<RetentionPlan> {
  const tenantIds = options.tenantId ? [options.tenantId] : await listTenantIds(db);
  const tenants: TenantRetentionPlan[] = [];
  for (const tenantId of tenantIds) {
    const own = await getRetentionPolicy(db, tenantId);
    const periods = {
      concernYears: own.concernYears ?? defaults.concernYears,
      aupYears: own.aupYears ?? defaults.aupYears,
      auditFindingsDays: own.auditFindingsDays ?? defaults.auditFindingsDays,
    };
    const cutoffs = {
      concerns: yearsBefore(now, periods.concernYears),
      aup: yearsBefore(now, periods.aupYears),
      auditFindings: new Date(now.getTime() - periods.auditFindingsDays * 86_400_000),
    };
    const expired = await listConcernsRecordedBefore(db, tenantId, cutoffs.concerns);
    const holds = await listHoldsInForce(db, tenantId);
    const held = (concernId: string) => holds.tenantWide !== undefined || holds.byConcern.has(concernId);
    tenants.push({
      tenantId,
      periods,
      cutoffs,
      concerns: expired.filter((c) => c.status === 'closed' && c.about === 'pupil' && !held(c.concernId)).map((c) => ({ reference: c.reference, concernId: c.concernId, recordedAt: c.createdAt })),
      heldOpenConcerns: expired.filter((c) => c.status !== 'closed').map((c) => ({ reference: c.reference, status: c.status, recordedAt: c.createdAt })),
      heldAdultConcerns: expired.filter((c) => c.status === 'closed' && c.about !== 'pupil').map((c) => ({ reference: c.reference, recordedAt: c.createdAt })),
      legalHolds: [...holds.byConcern.values()].map((h) => ({ reference: h.reference!, reason: h.reason, since: h.placedAt, by: h.placedBy })),
      tenantLegalHold: holds.tenantWide && { reason: holds.tenantWide.reason, since: holds.tenantWide.placedAt, by: holds.tenantWide.placedBy },
      aupAcknowledgements: await countAupAcknowledgementsBefore(db, tenantId, cutoffs.aup),
      aupSends: await countAupSendsBefore(db, tenantId, cutoffs.aup),
      auditFindings: await listFindingsLastSeenBefore(db, tenantId, cutoffs.auditFindings),
    });
  }
  return { generatedAt: now, tenants };
}

/** Purges what `plan` lists (nothing more: records that expired since are left for the next run). */
export async function applyRetention(db: Db, plan: RetentionPlan, options: { purgedBy: string; now: Date }): Promise<RetentionResult> {
  const runId = randomUUID();
  const result: RetentionResult = { runId, purged: [] };
  for (const t of plan.tenants) {
    const summary = { tenantId: t.tenantId, concerns: 0, aupAcknowledgements: 0, aupSends: 0, auditFindings: 0, rows: {} as Record<string, number> };
    const tally = (counts: Record<string, number>) => {
      for (const [table, n] of Object.entries(counts)) summary.rows[table] = (summary.rows[table] ?? 0) + n;
    };
    const record = { tenantId: t.tenantId, runId, purgedBy: options.purgedBy, purgedAt: options.now };
    for (const c of t.concerns) {
      await db.transaction(async (tx) => {
        await allowPurgeInTransaction(tx);
        const counts = await deleteConcern(tx, t.tenantId, c.concernId, t.cutoffs.concerns);
        if (!counts.concerns) return; // already gone (a concurrent run), or reopened since the plan
        await recordPurge(tx, { ...record, recordKind: 'concern', recordRef: c.reference, cutoff: t.cutoffs.concerns, counts });
        summary.concerns++;
        tally(counts);
      });
    }
    if (t.aupAcknowledgements || t.aupSends) {
      await db.transaction(async (tx) => {
        await allowPurgeInTransaction(tx);
        const acks = await deleteAupAcknowledgementsBefore(tx, t.tenantId, t.cutoffs.aup);
        const sends = await deleteAupSendsBefore(tx, t.tenantId, t.cutoffs.aup);
        if (acks) await recordPurge(tx, { ...record, recordKind: 'aup-acknowledgements', cutoff: t.cutoffs.aup, counts: { aup_acknowledgements: acks } });
        if (sends) await recordPurge(tx, { ...record, recordKind: 'aup-sends', cutoff: t.cutoffs.aup, counts: { aup_sends: sends } });
        summary.aupAcknowledgements = acks;
        summary.aupSends = sends;
        tally({ aup_acknowledgements: acks, aup_sends: sends });
      });
    }
    for (const f of t.auditFindings) {
      await db.transaction(async (tx) => {
        const counts = await deleteFinding(tx, t.tenantId, f.findingId);
        if (!counts.findings) return;
        await recordPurge(tx, { ...record, recordKind: 'audit-finding', recordRef: f.findingId, cutoff: t.cutoffs.auditFindings, counts });
        summary.auditFindings++;
        tally(counts);
      });
    }
    result.purged.push(summary);
  }
  return result;
}

/** The dry-run report, for people: references, counts and dates only. */
/**
 * A short code naming what a plan would delete of a child's record: each tenant's periods and the
 * concerns it lists (by reference). A DSL approves a dry run; the purge is refused unless the
 * plan made at that moment has the same code, so a concern that became due in between (or a
 * changed period) is never deleted without someone having seen it listed. The AUP counts and
 * the audit findings, which age past their cutoff by the day, are not part of it. Legal holds
 * need no place of their own: a held concern is left out of the list, so placing a hold on a
 * listed concern, or releasing one on a due concern, changes the code (and the purge re-checks
 * the hold under the concern's lock).
 */
export function retentionPlanCode(plan: RetentionPlan): string {
  const listed = plan.tenants.map((t) => [t.tenantId, t.periods.concernYears, t.periods.aupYears, t.periods.auditFindingsDays, t.concerns.map((c) => c.reference).sort()]);
  return createHash('sha256').update(JSON.stringify(listed)).digest('hex').slice(0, 12);
}

export function describeRetentionPlan(plan: RetentionPlan): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const lines: string[] = [`Retention plan at ${plan.generatedAt.toISOString()}`];
  for (const t of plan.tenants) {
    lines.push(`Tenant ${t.tenantId}: concerns ${t.periods.concernYears} years, AUP records ${t.periods.aupYears} years, audit findings ${t.periods.auditFindingsDays} days`);
    lines.push(`  concerns recorded before ${day(t.cutoffs.concerns)} and closed: ${t.concerns.length}${t.concerns.length ? ` (${t.concerns.map((c) => c.reference).join(', ')})` : ''}`);
    if (t.heldOpenConcerns.length) lines.push(`  held, past their period but not closed: ${t.heldOpenConcerns.map((c) => `${c.reference} (${c.status})`).join(', ')}`);
    if (t.heldAdultConcerns.length) {
      lines.push(`  held, concerns about adults (KCSIE: until the person's normal pension age or 10 years, whichever is longer; for the DSL or DPO to decide): ${t.heldAdultConcerns.map((c) => c.reference).join(', ')}`);
    }
    if (t.tenantLegalHold) {
      const h = t.tenantLegalHold;
      lines.push(`  every concern of this school is on legal hold (${h.reason}; since ${day(h.since)}; by ${h.by}): none is purged until it is released`);
    }
    if (t.legalHolds.length) lines.push(`  on legal hold, never purged until released: ${t.legalHolds.map((h) => `${h.reference} (${h.reason}; since ${day(h.since)}; by ${h.by})`).join(', ')}`);
    lines.push(`  AUP acknowledgements before ${day(t.cutoffs.aup)}: ${t.aupAcknowledgements}; AUP sends: ${t.aupSends}`);
    lines.push(`  audit findings last seen before ${day(t.cutoffs.auditFindings)}: ${t.auditFindings.length}`);
  }
  lines.push(`Approval code: ${retentionPlanCode(plan)}`);
  return `${lines.join('\n')}\n`;
}
