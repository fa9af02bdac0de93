import type { CliCommand } from '../cli';
import { applyRetention, describeRetentionPlan, planRetention, retentionPlanCode } from '../jobs/retention';
import { setRetentionPolicy } from '../store/retention.repo';
import { getTenant } from '../store/tenant.repo';
import { runDeleteCommand } from './retention-delete';
import { type HoldRequest, runHoldCommand } from './retention-hold';

/** The periods a tenant may set, as the store allows them: each flag, its unit and its range. */
const PERIOD_FLAGS = {
  '--concern-years': { key: 'concernYears', unit: 'years', max: 100 },
  '--aup-years': { key: 'aupYears', unit: 'years', max: 100 },
  '--audit-findings-days': { key: 'auditFindingsDays', unit: 'days', max: 36_500 },
} as const;
type PeriodFlag = keyof typeof PERIOD_FLAGS;
const isPeriodFlag = (arg: string): arg is PeriodFlag => Object.hasOwn(PERIOD_FLAGS, arg);

/**
 * `jigsaw retention --dry-run [--tenant ID]`: prints the retention plan (what has passed its
 * period) with its approval code. `jigsaw retention --approve CODE [--tenant ID]` purges exactly
 * that plan, if it is still the same, and records it in retention_purges.
 * `jigsaw retention --tenant ID --set [--concern-years N] [--aup-years N] [--audit-findings-days N]`
 * stores a tenant's own periods. `jigsaw retention --hold REF | --release REF | --hold-all |
 * --release-all --reason "…" --by "name" [--tenant ID]` places or releases a legal hold
 * (retention-hold.ts). `jigsaw retention --delete REF --reason "…" --by "name" [--approve CODE]
 * [--tenant ID]` deletes one closed concern about an adult by hand (retention-delete.ts).
 * Exit code 0 on success, 2 for a usage error.
 */
export const retentionCommand: CliCommand = {
  name: 'retention',
  summary: 'Report (--dry-run) or purge records past their retention period',
  usage:
    'retention (--dry-run | --approve CODE) [--tenant ID] | retention --tenant ID --set [--concern-years N] [--aup-years N] [--audit-findings-days N] | ' +
    'retention (--hold REF | --release REF | --hold-all | --release-all) --reason "…" --by "name" [--tenant ID] | ' +
    'retention --delete REF --reason "…" --by "name" [--approve CODE] [--tenant ID]',
  async run(args, context) {
    let dryRun = false;
    let set = false;
    let tenantId: string | undefined;
    let approved: string | undefined;
    const policy: { concernYears?: number; aupYears?: number; auditFindingsDays?: number } = {};
    let hold: HoldRequest | undefined;
    let reason: string | undefined;
    let by: string | undefined;
    let deleteRef: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '--dry-run') dryRun = true;
      else if ((arg === '--hold' || arg === '--release') && args[i + 1] && !hold) hold = { action: arg === '--hold' ? 'hold' : 'release', reference: args[++i] };
      else if ((arg === '--hold-all' || arg === '--release-all') && !hold) hold = { action: arg === '--hold-all' ? 'hold' : 'release' };
      else if (arg === '--delete' && args[i + 1] && deleteRef === undefined) deleteRef = args[++i];
      else if (arg === '--reason' && args[i + 1] !== undefined) reason = args[++i];
      else if (arg === '--by' && args[i + 1] !== undefined) by = args[++i];
      else if (arg === '--set') set = true;
      else if (arg === '--tenant' && args[i + 1]) tenantId = args[++i];
      else if (arg === '--approve' && args[i + 1]) approved = args[++i];
      else if (isPeriodFlag(arg)) {
        const { key, unit, max } = PERIOD_FLAGS[arg];
        const value = args[++i] ?? '';
        if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
          context.err.write(`${arg} must be a whole number of ${unit} from 1 to ${max}${value ? ` (you gave "${value}")` : ''}. Nothing was changed.\n`);
          return 2;
        }
        policy[key] = Number(value);
      } else {
        context.err.write(`Usage: jigsaw ${this.usage}\n`);
        return 2;
      }
    }
    if (deleteRef !== undefined) {
      if (hold || dryRun || set || Object.keys(policy).length) {
        context.err.write('--delete runs on its own (with --reason, --by, and --approve to confirm). Nothing was deleted.\n');
        return 2;
      }
      return runDeleteCommand({ reference: deleteRef, reason, by, tenantId, approve: approved }, context);
    }
    if (hold) {
      if (dryRun || set || approved || Object.keys(policy).length) {
        context.err.write('A legal hold is placed or released on its own: run --hold/--release without --dry-run, --approve or --set. Nothing was changed.\n');
        return 2;
      }
      return runHoldCommand({ ...hold, reason, by, tenantId }, context);
    }
    if (reason !== undefined || by !== undefined) {
      context.err.write('--reason and --by go with --hold, --release, --hold-all, --release-all or --delete. Nothing was changed.\n');
      return 2;
    }
    const db = await context.db();
    if (set) {
      if (!tenantId || !Object.keys(policy).length) {
        context.err.write('--set needs --tenant and at least one period\n');
        return 2;
      }
      if (!(await getTenant(db, tenantId))) {
        context.err.write(`No tenant ${tenantId} is known to Jigsaw (it is recorded when the bot is first used there). Nothing was changed.\n`);
        return 2;
      }
      await setRetentionPolicy(db, tenantId, policy, 'cli');
      context.out.write(`Saved retention periods for tenant ${tenantId}.\n`);
      return 0;
    }
    if (!dryRun && !approved) {
      context.err.write('Purging needs the approval code of a dry run: run `jigsaw retention --dry-run`, have the DSL approve what it lists, then run `jigsaw retention --approve CODE` with the same --tenant. Nothing was purged.\n');
      return 2;
    }
    // An unknown (mistyped) tenant would otherwise get an empty plan that looks like "nothing due".
    if (tenantId && !(await getTenant(db, tenantId))) {
      context.err.write(`No tenant ${tenantId} is known to Jigsaw (it is recorded when the bot is first used there). Nothing was ${dryRun ? 'planned' : 'purged'}.\n`);
      return 2;
    }
    const now = new Date();
    const plan = await planRetention(db, context.config.retention, now, { tenantId });
    context.out.write(describeRetentionPlan(plan));
    if (dryRun) {
      context.out.write(`Dry run: nothing was purged. To purge exactly this, run: jigsaw retention --approve ${retentionPlanCode(plan)}${tenantId ? ` --tenant ${tenantId}` : ''}\n`);
      return 0;
    }
    if (approved !== retentionPlanCode(plan)) {
      context.err.write(`The plan is not the one approved (code ${approved}): what is due for deletion, or a period, has changed since that dry run. Nothing was purged. Review the plan above and approve its code.\n`);
      return 2;
    }
    const result = await applyRetention(db, plan, { purgedBy: 'cli', now });
    for (const p of result.purged) {
      context.out.write(`Purged for tenant ${p.tenantId}: ${p.concerns} concerns, ${p.aupAcknowledgements} AUP acknowledgements, ${p.aupSends} AUP sends, ${p.auditFindings} audit findings (run ${result.runId}; rows: ${JSON.stringify(p.rows)})\n`);
    }
    context.logger.info({ runId: result.runId, purged: result.purged.map((p) => ({ tenantId: p.tenantId, concerns: p.concerns, aupAcknowledgements: p.aupAcknowledgements, aupSends: p.aupSends, auditFindings: p.auditFindings })) }, 'retention purge finished');
    return 0;
  },
};
