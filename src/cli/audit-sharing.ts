import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { outputTargetProblem, writeOutputFile } from './file-errors';
import { terminalText } from './terminal-text';
import type { CliCommand, CliContext } from '../cli';
import { summariseReport } from '../jobs/sharing-audit/audit-summary';
import { formatProgressLine } from '../jobs/sharing-audit/progress-line';
import type { AuditProgress } from '../jobs/sharing-audit/ports';
import { buildSharingAuditCsv } from '../jobs/sharing-audit/report-csv';
import { buildSharingAuditReport, serialiseSharingAuditReport, type SharingAuditReport } from '../jobs/sharing-audit/report-json';
import { runSharingAuditForReport } from '../jobs/sharing-audit/run-sharing-audit';
import { connectSharingAudit, type SharingAuditConnection, SharingAuditNotConfigured } from '../services/sharing-audit-connection';
import { SHARING_AUDIT_JOB } from '../jobs/sharing-audit/scheduled-audit';
import { leaseKeeper } from '../jobs/job-lease';
import { acquireJobLease, releaseJobLease } from '../store/scheduled-jobs.repo';
import { queueAuditSummaryToAdmins } from '../services/sharing-audit-notices';
import type { Db } from '../store/db';
import { findRunningAuditRun } from '../store/sharing-runs.repo';
import { getTenant, upsertTenant } from '../store/tenant.repo';

const CLI_LEASE_MS = 30 * 60_000;
const USAGE = 'audit-sharing [--incremental] [--sites] [--json FILE] [--csv FILE] [--roster FILE]';

/**
 * `jigsaw audit-sharing`: audits OneDrive (and with --sites, SharePoint libraries) for
 * exposed files, resuming an interrupted run, then writes the reports, prints a one-screen
 * summary and queues the summary card to the admins in Teams.
 */
export const auditSharingCommand: CliCommand = {
  name: 'audit-sharing',
  summary: 'Find pupil data exposed through sharing links (OneDrive, SharePoint)',
  usage: USAGE,
  async run(args, context) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: {
          incremental: { type: 'boolean', default: false },
          sites: { type: 'boolean', default: false },
          json: { type: 'string' },
          csv: { type: 'string' },
          roster: { type: 'string' },
        },
      });
    } catch (err) {
      context.err.write(`${(err as Error).message}\nUsage: jigsaw ${USAGE}\n`);
      return 2;
    }
    const options = parsed.values;
    for (const target of [options.json, options.csv]) {
      const problem = target === undefined ? undefined : outputTargetProblem(target);
      if (problem) {
        context.err.write(`jigsaw audit-sharing: ${problem} Nothing was audited.\n`);
        return 2;
      }
    }
    let connection;
    try {
      connection = connectSharingAudit(context.config, { includeSites: options.sites || context.config.audit.includeSites });
    } catch (err) {
      if (err instanceof SharingAuditNotConfigured) {
        context.err.write(`jigsaw audit-sharing: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    try {
      const db = await context.db();
      const tenantId = connection.tenantId;
      await ensureTenant(db, tenantId, context);
      // One audit at a time: the app's scheduled run (AUDIT_SCHEDULE) takes the same lease.
      const holder = `cli:${hostname()}:${process.pid}`;
      const lease = await acquireJobLease(db, tenantId, SHARING_AUDIT_JOB, holder, new Date(), CLI_LEASE_MS);
      if (!lease.acquired) {
        context.err.write(`jigsaw audit-sharing: an audit is already running (${lease.holder ?? 'another process'}${lease.until ? `, lease until ${lease.until.toISOString()}` : ''}). Try again when it has finished.\n`);
        return 1;
      }
      try {
        return await auditUnderLease(context, db, connection, options, tenantId, holder);
      } finally {
        await releaseJobLease(db, tenantId, SHARING_AUDIT_JOB, holder, {});
      }
    } finally {
      connection.close();
    }
  },
};

/** The audit itself, once this process holds the lease. */
async function auditUnderLease(
  context: CliContext,
  db: Db,
  connection: SharingAuditConnection,
  options: { incremental: boolean; json?: string; csv?: string; roster?: string },
  tenantId: string,
  holder: string,
): Promise<number> {
  const interrupted = await findRunningAuditRun(db, tenantId);
  if (interrupted) {
    context.out.write(
      `Resuming the interrupted ${interrupted.mode} audit started ${interrupted.startedAt} (run ${interrupted.runId}): drives already done are not read again.\n`,
    );
  }
  const verifiedDomains = await connection.verifiedDomains();
  const roster = await connection.roster(options.roster);
  if (roster.note) context.out.write(`Note: ${roster.note}\n`);
  const progress = createProgressPrinter(context);
  const lost = new AbortController();
  const keepLease = leaseKeeper({ db, tenantId, job: SHARING_AUDIT_JOB, holder, leaseMs: CLI_LEASE_MS, now: () => new Date(), logger: context.logger, onLost: () => lost.abort() });
  const result = await runSharingAuditForReport({
    db,
    tenantId,
    mode: options.incremental ? 'incremental' : 'full',
    verifiedDomains,
    roster: roster.pupils,
    delta: connection.audit,
    permissions: connection.audit,
    content: connection.audit,
    usage: connection.audit,
    contentEvidence: context.config.audit.contentEvidence,
    onProgress: (p) => {
      keepLease();
      progress.update(p);
    },
    logger: context.logger,
    signal: lost.signal,
  }).catch((err: unknown) => {
    progress.done();
    context.err.write('The audit stopped before the end; its progress is saved. Run the same command again to resume where it stopped.\n');
    throw err;
  });
  progress.done();
  const report = buildSharingAuditReport(tenantId, result.run, result.findings);
  if (options.json) writeOutputFile(options.json, serialiseSharingAuditReport(report));
  if (options.csv) writeOutputFile(options.csv, buildSharingAuditCsv(result.findings));
  const admins = await queueAuditSummaryToAdmins(db, tenantId, result.run.runId, { remediationEnabled: context.config.remediation.enabled });
  context.out.write(formatSummaryScreen(report, {
    resumed: result.resumedRun,
    rosterSize: roster.pupils.length,
    rosterSource: roster.source,
    failures: result.run.failures.length,
    admins,
    json: options.json,
    csv: options.csv,
  }));
  return 0;
}

async function ensureTenant(db: Db, tenantId: string, context: CliContext): Promise<void> {
  if (await getTenant(db, tenantId)) return;
  await upsertTenant(db, { tenantId, schoolName: context.config.bootstrap.schoolName, timeZone: context.config.bootstrap.timeZone });
}

/** On a terminal, one line redrawn in place (at most ~10 times a second); elsewhere, nothing. */
function createProgressPrinter(context: CliContext): { update: (p: AuditProgress) => void; done: () => void } {
  if (!context.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let drawn = false;
  let latest: AuditProgress | null = null;
  const draw = () => {
    if (!latest) return;
    context.out.write(`\r\x1b[2K${formatProgressLine(latest)}`);
    drawn = true;
  };
  return {
    update(p) {
      latest = p;
      const now = Date.now();
      if (now - last < 100 && p.phase !== 'finish') return;
      last = now;
      draw();
    },
    done() {
      draw();
      if (drawn) context.out.write('\n');
    },
  };
}

export interface SummaryScreenFacts {
  resumed: boolean;
  rosterSize: number;
  rosterSource: 'csv' | 'education' | 'none';
  failures: number;
  admins: number;
  json?: string;
  csv?: string;
}

/** The one-screen summary: what was audited, at what cost, what was found, where the reports went. */
export function formatSummaryScreen(report: SharingAuditReport, facts: SummaryScreenFacts): string {
  const s = report.stats;
  const summary = summariseReport(report, 5);
  const n = (v: number) => v.toLocaleString('en-GB');
  const lines = [
    '',
    `Sharing audit ${report.mode === 'full' ? '(full)' : '(incremental)'}${facts.resumed ? ', resumed after an interruption' : ''}: ${report.finishedAt ? 'completed' : 'not finished'}`,
    `  Drives ${n(s.drives)}  items ${n(s.items)}  sharing roots ${n(s.sharingRoots)}`,
    `  Graph requests ${n(s.graphRequests)}  resource units ${n(s.resourceUnits)}  throttled ${n(s.throttled)}  time ${(s.durationMs / 1000).toFixed(1)} s`,
    `  Roster: ${facts.rosterSource === 'none' ? 'none (pupil names not looked for)' : `${n(facts.rosterSize)} pupils from ${facts.rosterSource === 'csv' ? 'the roster CSV' : '/education/users'}`}`,
    '',
    `Findings ${n(report.findings.length)}: critical ${summary.bySeverity.critical}, high ${summary.bySeverity.high}, medium ${summary.bySeverity.medium}, low ${summary.bySeverity.low}`,
    `  Anyone links ${summary.byScope.anonymous}, organisation-wide ${summary.byScope.organization}, outside the school ${summary.byScope.external}; likely pupil data ${summary.pupilDataLikely}`,
  ];
  if (summary.top.length) {
    lines.push('', 'Most severe:');
    for (const f of summary.top) lines.push(`  ${f.severity.padEnd(8)} ${f.exposure.scope.padEnd(12)} ${f.id}  ${terminalText(f.path)}`);
  }
  if (facts.failures) lines.push('', `${facts.failures} drive(s) or item(s) could not be read; they are listed in the run and retried next time.`);
  lines.push('');
  if (facts.json) lines.push(`JSON report: ${facts.json}`);
  if (facts.csv) lines.push(`CSV report: ${facts.csv}`);
  lines.push(facts.admins ? `Summary card queued to ${facts.admins} admin(s) in Teams.` : 'No Jigsaw admins are configured (ADMIN_AAD_IDS): no summary card sent.');
  if (summary.bySeverity.critical) lines.push('Remove the critical links with: jigsaw remediate --severity critical --dry-run (then without --dry-run)');
  return `${lines.join('\n')}\n`;
}
