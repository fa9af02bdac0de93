import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import type { EscalationSettings } from '../services/escalate-concern';
import type { PatternSettings } from '../services/pattern-alerts';
import { describeError, type Logger } from '../logging';
import { runEscalationTimers } from './escalation-timers';
import { PatternScan } from './pattern-scan';

export interface SchedulerDeps {
  db: Db;
  concerns: ConcernRepository;
  logger: Logger;
  now: () => Date;
  escalation: EscalationSettings;
  patterns: PatternSettings;
  /** Wakes the outbox worker when a pass queued messages. */
  onOutboxChanged: () => void;
  /** Jobs that start their own background work when due (the daily sharing audit). */
  periodicJobs?: readonly PeriodicJob[];
}

export interface PeriodicJob {
  /** Starts the job if it is due; returns quickly. */
  tick(): Promise<void>;
  /** Stops it and waits for it to put its state away. */
  stop(): Promise<void>;
}

/**
 * The clock of the durable jobs: every `pollMs` it runs the escalation timers and the pattern
 * scan. All state is in the store, so stopping and starting (or running two) loses nothing.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;
  private readonly patternScan: PatternScan;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: { pollMs: number; leaseMs?: number },
  ) {
    this.patternScan = new PatternScan(deps);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
    for (const job of this.deps.periodicJobs ?? []) await job.stop();
  }

  /** One pass; returns how many escalations fired and pattern alerts were raised. */
  async tickOnce(): Promise<{ escalations: number; patternAlerts: number }> {
    const escalations = await runEscalationTimers(this.deps, { batch: 20, leaseMs: this.options.leaseMs ?? 60_000 });
    const patternAlerts = await this.patternScan.runOnce();
    if (escalations || patternAlerts) this.deps.onOutboxChanged();
    for (const job of this.deps.periodicJobs ?? []) {
      await job.tick().catch((err: unknown) => this.deps.logger.error(describeError(err), 'periodic job check failed'));
    }
    return { escalations, patternAlerts };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tickOnce();
      } catch (err) {
        this.deps.logger.error(describeError(err), 'scheduler pass failed');
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.options.pollMs);
      });
      this.wake = undefined;
    }
  }
}
