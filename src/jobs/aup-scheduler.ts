import type { Db } from '../store/db';
import { claimAupDeadlineReport, enqueueAupSends, getLatestAupVersion, listAupBroadcasts, listUnansweredAsks, getAupVersion } from '../store/aup.repo';
import { listRoleHolders } from '../store/tenant.repo';
import { alertAdmins } from '../services/admin-alerts';
import { buildAupRegister } from '../services/aup-register';
import { type AupRules, deadlineOf, dueReminder } from '../domain/aup/status';
import { describeError, type Logger } from '../logging';
import { isOfflineAudience } from '../domain/aup/types';

export interface AupSchedulerRun {
  reminders: number;
  renewals: number;
  deadlineReports: number;
}

/**
 * The AUP timetable, run every few minutes (idempotent: every action is a queue row whose key
 * makes a second run a no-op, so two schedulers or a restart cannot double anything):
 * - reminders 7 and 14 days (configurable) after a card was delivered, while unanswered;
 * - after the deadline, the list of who is outstanding to the online-safety lead(s), once;
 * - yearly renewal: an acknowledgement that lapsed (12 months) is asked for again.
 * Offline audiences (KS1 pupils, parents) get the deadline list only: they sign on paper.
 * The clock is injected so tests can move through weeks in milliseconds.
 */
export class AupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { db: Db; logger: Logger; rules: AupRules; now: () => Date; onQueued?: () => void },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.runOnce().catch((err) => this.deps.logger.error(describeError(err), 'AUP scheduler run failed'));
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref?.();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async runOnce(): Promise<AupSchedulerRun> {
    const { db, rules } = this.deps;
    const now = this.deps.now();
    const run: AupSchedulerRun = { reminders: 0, renewals: 0, deadlineReports: 0 };
    for (const broadcast of await listAupBroadcasts(db)) {
      const version = await getAupVersion(db, broadcast.tenantId, broadcast.versionId);
      if (!version) continue;
      const latest = await getLatestAupVersion(db, version.tenantId, version.audience);
      if (latest?.versionId !== version.versionId) continue; // replaced: its people were asked again
      // Offline audiences (KS1 pupils, parents) sign on paper: no reminder or renewal in Teams,
      // only the online-safety lead's list of who is outstanding.
      const inTeams = !isOfflineAudience(version.audience);

      const unanswered = inTeams ? await listUnansweredAsks(db, version.tenantId, version.versionId, { now, validityMonths: rules.validityMonths }) : [];
      for (const ask of unanswered) {
        const due = dueReminder(ask.sentAt, now, ask.remindersSent, rules);
        if (due) run.reminders += await enqueueAupSends(db, version.tenantId, version.versionId, `${ask.purpose}/r${due}`, [ask], now);
      }

      if (now >= deadlineOf(broadcast.startedAt, rules) && !broadcast.deadlineReportedAt) {
        run.deadlineReports += await this.reportDeadline(db, version.tenantId, version.versionId, now);
      }

      if (!inTeams) continue;
      const register = await buildAupRegister({ db, now: () => now, rules }, version.tenantId, version.audience);
      // The register keeps people who left (status 'left', with their history): they are not asked again.
      for (const entry of register) {
        if (entry.status !== 'expired' || entry.expiredBecause !== 'time' || !entry.lastAck || entry.personId.startsWith('ext:')) continue;
        const purpose = `renew:${entry.lastAck.expiresAt.toISOString().slice(0, 10)}`;
        run.renewals += await enqueueAupSends(db, version.tenantId, version.versionId, purpose, [{ personId: entry.personId, aadObjectId: entry.personId }], now);
      }
    }
    if (run.reminders || run.renewals || run.deadlineReports) {
      this.deps.logger.info({ ...run }, 'AUP reminders and reports queued');
      this.deps.onQueued?.();
    }
    return run;
  }

  private async reportDeadline(db: Db, tenantId: string, versionId: string, now: Date): Promise<number> {
    return db.transaction(async (tx) => {
      if (!(await claimAupDeadlineReport(tx, tenantId, versionId, now))) return 0;
      const leads = await listRoleHolders(tx, tenantId, 'online_safety_lead');
      if (!leads.length) {
        await alertAdmins(tx, tenantId, 'aup-no-online-safety-lead', 'An Acceptable Use Policy deadline has passed, but no online-safety lead is configured to receive the list of people who have not agreed. Set ONLINE_SAFETY_LEAD_AAD_ID, and run "jigsaw aup status" for the list.');
        return 0;
      }
      let queued = 0;
      for (const lead of leads) queued += await enqueueAupSends(tx, tenantId, versionId, 'report:deadline', [{ personId: lead, aadObjectId: lead }], now);
      return queued;
    });
  }
}
