import type { CliCommand } from '../cli';
import { applyRetention, describeRetentionPlan, planRetention } from '../jobs/retention';
import { setRetentionPolicy } from '../store/retention.repo';

/**
 * `jigsaw retention [--dry-run] [--tenant ID]`: prints the retention plan (what has passed its
 * period), then — without --dry-run — purges exactly that and records it in retention_purges.
 * `jigsaw retention --tenant ID --set [--concern-years N] [--aup-years N] [--audit-findings-days N]`
 * stores a tenant's own periods. Exit code 0 on success, 2 for a usage error.
 */
export const retentionCommand: CliCommand = {
  name: 'retention',
  summary: 'Report (--dry-run) or purge records past their retention period',
  usage: 'retention [--dry-run] [--tenant ID] [--set --concern-years N --aup-years N --audit-findings-days N]',
  async run(args, context) {
    let dryRun = false;
    let set = false;
    let tenantId: string | undefined;
    const policy: { concernYears?: number; aupYears?: number; auditFindingsDays?: number } = {};
    const numberFlags: Record<string, keyof typeof policy> = { '--concern-years': 'concernYears', '--aup-years': 'aupYears', '--audit-findings-days': 'auditFindingsDays' };
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '--dry-run') dryRun = true;
      else if (arg === '--set') set = true;
      else if (arg === '--tenant' && args[i + 1]) tenantId = args[++i];
      else if (numberFlags[arg] && /^\d+$/.test(args[i + 1] ?? '')) policy[numberFlags[arg]!] = Number(args[++i]);
      else {
        context.err.write(`Usage: jigsaw ${this.usage}\n`);
        return 2;
      }
    }
    const db = await context.db();
    if (set) {
      if (!tenantId || !Object.keys(policy).length) {
        context.err.write('--set needs --tenant and at least one period\n');
        return 2;
      }
      await setRetentionPolicy(db, tenantId, policy, 'cli');
      context.out.write(`Saved retention periods for tenant ${tenantId}.\n`);
      return 0;
    }
    const now = new Date();
    const plan = await planRetention(db, context.config.retention, now, { tenantId });
    context.out.write(describeRetentionPlan(plan));
    if (dryRun) {
      context.out.write('Dry run: nothing was purged.\n');
      return 0;
    }
    const result = await applyRetention(db, plan, { purgedBy: 'cli', now });
    for (const p of result.purged) {
      context.out.write(`Purged for tenant ${p.tenantId}: ${p.concerns} concerns, ${p.aupAcknowledgements} AUP acknowledgements, ${p.aupSends} AUP sends, ${p.auditFindings} audit findings (run ${result.runId}; rows: ${JSON.stringify(p.rows)})\n`);
    }
    context.logger.info({ runId: result.runId, purged: result.purged.map((p) => ({ tenantId: p.tenantId, concerns: p.concerns, aupAcknowledgements: p.aupAcknowledgements, aupSends: p.aupSends, auditFindings: p.auditFindings })) }, 'retention purge finished');
    return 0;
  },
};
