import { cliUserName } from './os-user';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli';
import type { Severity } from '../domain/sharing/types';
import type { GraphFailureKind } from '../jobs/sharing-audit/ports';
import { remediateFindings, type RemediationResult } from '../jobs/sharing-audit/remediate';
import { connectSharingAudit, SharingAuditNotConfigured } from '../services/sharing-audit-connection';

const USAGE = 'remediate (--finding ID | --severity critical) [--dry-run]';
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/**
 * `jigsaw remediate`: removes the link that exposes a finding, on its sharing root, through
 * the remediation app (REMEDIATION_ENABLED). `--dry-run` reads with the audit app and changes
 * nothing. Every action is recorded with who ran it.
 */
export const remediateCommand: CliCommand = {
  name: 'remediate',
  summary: 'Remove the sharing links behind findings (or show what would be removed)',
  usage: USAGE,
  async run(args, context) {
    let values;
    try {
      values = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: { finding: { type: 'string' }, severity: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
      }).values;
    } catch (err) {
      context.err.write(`${(err as Error).message}\nUsage: jigsaw ${USAGE}\n`);
      return 2;
    }
    if (Boolean(values.finding) === Boolean(values.severity)) {
      context.err.write(`Give exactly one of --finding ID and --severity LEVEL.\nUsage: jigsaw ${USAGE}\n`);
      return 2;
    }
    if (values.severity && !SEVERITIES.includes(values.severity as Severity)) {
      context.err.write(`--severity must be one of ${SEVERITIES.join(', ')}\n`);
      return 2;
    }
    const dryRun = values['dry-run'] ?? false;
    if (!dryRun && !context.config.remediation.enabled) {
      context.err.write('Remediation is disabled: set REMEDIATION_ENABLED=true with the remediation app (GRAPH_REMEDIATION_CLIENT_ID, Files.ReadWrite.All), or use --dry-run.\n');
      return 2;
    }
    let connection;
    try {
      connection = connectSharingAudit(context.config);
    } catch (err) {
      if (err instanceof SharingAuditNotConfigured) {
        context.err.write(`jigsaw remediate: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    try {
      const db = await context.db();
      const who = cliUserName();
      const result = await remediateFindings({
        db,
        tenantId: connection.tenantId,
        target: values.finding ? { findingId: values.finding } : { severity: values.severity as Severity },
        dryRun,
        actor: { id: `cli:${who}`, name: `${who} (jigsaw CLI)` },
        verifiedDomains: await connection.verifiedDomains(),
        permissions: connection.audit,
        // Never used on a dry run; a real run only gets here with the remediation app.
        remover: connection.remover ?? { removePermission: () => Promise.reject(new Error('remediation is disabled')) },
      });
      context.out.write(formatRemediation(result, dryRun));
      return result.actions.some((a) => a.outcome === 'failed') ? 1 : 0;
    } finally {
      connection.close();
    }
  },
};

const OUTCOME_WORDS: Record<string, string> = {
  removed: 'removed',
  'would-remove': 'would remove',
  'refused-inherited': 'refused (inherited: remove it on the folder it comes from)',
  'not-found': 'already gone',
  failed: 'FAILED',
};

const FAILURE_WORDS: Record<GraphFailureKind, string> = {
  unreachable: 'Microsoft 365 could not be reached: try again later',
  busy: 'Microsoft 365 is throttling Jigsaw (429): try again in a few minutes',
  refused: 'refused by Microsoft 365: the remediation app needs Files.ReadWrite.All with admin consent and a valid credential, see docs/permissions.md',
  'not-found': 'the file or link no longer exists',
  error: 'unexpected error',
};

export function formatRemediation(result: RemediationResult, dryRun: boolean): string {
  const lines: string[] = [dryRun ? 'Dry run: nothing was changed.' : 'Remediation:'];
  if (result.actions.length === 0 && result.skipped.length === 0) lines.push('  No open findings matched.');
  for (const a of result.actions) {
    const after = a.stillExposed === null ? '' : a.stillExposed ? '  (still exposed by another link)' : '  (no longer exposed)';
    const words = a.outcome === 'failed' && a.failure ? `${OUTCOME_WORDS.failed} (${FAILURE_WORDS[a.failure]})` : (OUTCOME_WORDS[a.outcome] ?? a.outcome);
    lines.push(`  ${words}: permission ${a.permissionId} on item ${a.itemId} (drive ${a.driveId}); findings ${a.findingIds.join(', ')}${after}`);
    if (a.outcome === 'failed' && a.detail) lines.push(`    ${a.detail}`);
  }
  for (const s of result.skipped) lines.push(`  skipped ${s.findingId}: ${s.reason}`);
  const removed = result.actions.filter((a) => a.outcome === (dryRun ? 'would-remove' : 'removed')).length;
  lines.push(`${removed} link(s) ${dryRun ? 'would be removed' : 'removed'}; every action is recorded with who ran it.`);
  return `${lines.join('\n')}\n`;
}
