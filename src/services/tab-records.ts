import type { Config } from '../config';
import type { Db } from '../store/db';
import { planRetention } from '../jobs/retention';
import { listHoldHistory } from '../store/legal-hold.repo';
import { listConcernDeletionRecords, listPurges } from '../store/retention.repo';
import { writeTabAccess } from '../store/tab-access-log.repo';
import { TabRefusal } from './tab-concerns';
import type { TabUser } from './tab-identity';

export interface TabRecordsDeps {
  db: Db;
  config: Config;
  now: () => Date;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The records' retention, read-only, for the Data Protection Officer: the periods in force, what
 * is due for deletion now and what is kept past its period (and why), legal holds (in force and
 * released), concerns deleted by hand (their tombstones) and past purges. Deleting stays with
 * `jigsaw retention`, where a dry run's approval code guards it. Reading it is logged.
 */
export async function getRecordsRetention(deps: TabRecordsDeps, user: TabUser) {
  if (!user.roles.has('dpo')) throw new TabRefusal(403, 'forbidden', 'Only the Data Protection Officer sees the records’ retention.');
  const now = deps.now();
  await writeTabAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'records.view', outcome: 'allowed', at: now });
  const [plan] = (await planRetention(deps.db, deps.config.retention, now, { tenantId: user.tenantId })).tenants;
  const purges = new Map<string, { at: string; by: string; concerns: number; aupAcknowledgements: number; aupSends: number; auditFindings: number }>();
  for (const p of await listPurges(deps.db, user.tenantId)) {
    const run = purges.get(p.runId) ?? { at: p.purgedAt.toISOString(), by: p.purgedBy, concerns: 0, aupAcknowledgements: 0, aupSends: 0, auditFindings: 0 };
    if (p.recordKind === 'concern') run.concerns += 1;
    else if (p.recordKind === 'audit-finding') run.auditFindings += 1;
    else if (p.recordKind === 'aup-acknowledgements') run.aupAcknowledgements += sum(p.counts);
    else run.aupSends += sum(p.counts);
    purges.set(p.runId, run);
  }
  return {
    periods: plan!.periods,
    cutoffs: { concerns: plan!.cutoffs.concerns.toISOString(), aup: plan!.cutoffs.aup.toISOString(), auditFindings: plan!.cutoffs.auditFindings.toISOString() },
    due: {
      concerns: plan!.concerns.map((c) => ({ reference: c.reference, recordedAt: c.recordedAt.toISOString() })),
      aupAcknowledgements: plan!.aupAcknowledgements,
      aupSends: plan!.aupSends,
      auditFindings: plan!.auditFindings.length,
    },
    keptOpen: plan!.heldOpenConcerns.map((c) => ({ reference: c.reference, status: c.status, recordedAt: c.recordedAt.toISOString() })),
    keptAboutAdults: plan!.heldAdultConcerns.map((c) => ({ reference: c.reference, recordedAt: c.recordedAt.toISOString() })),
    holds: (await listHoldHistory(deps.db, user.tenantId)).map((h) => ({
      scope: h.reference ? 'concern' : 'school',
      reference: h.reference,
      reason: h.reason,
      placedBy: h.placedBy,
      placedAt: h.placedAt.toISOString(),
      released: h.released && { by: h.released.by, at: h.released.at.toISOString(), reason: h.released.reason },
    })),
    deletions: (await listConcernDeletionRecords(deps.db, user.tenantId)).map((d) => ({ reference: d.reference, about: d.about, reason: d.reason, deletedBy: d.deletedBy, deletedAt: d.deletedAt.toISOString() })),
    purges: [...purges.values()].sort((a, b) => b.at.localeCompare(a.at)),
  };
}
