import type { Config } from '../config';
import type { Db } from '../store/db';
import type { BotFeature } from '../bot/bot-feature';
import { createAupFeature } from '../bot/features/aup-feature';
import { type AupGraph, connectAupGraph } from '../services/aup-graph';
import type { GraphConnectionPool } from '../graph/graph-connection-pool';
import type { AppInstaller } from '../domain/aup/ports';
import type { AupRules } from '../domain/aup/status';
import type { Logger } from '../logging';
import { AupScheduler } from './aup-scheduler';
import { AupAudienceSync } from './aup-audience-sync';
import type { PeriodicJob } from './scheduler';
import { AupSender, type AupSenderOptions } from './aup-sender';
import type { TeamsGateway } from './teams-gateway';
import type { TeamsSendPacing } from './send-pacing';

export interface AupJobs {
  feature: BotFeature;
  sender: AupSender;
  scheduler: AupScheduler;
  rules: AupRules;
  /**
   * The capability's one Graph connection (one token cache and RU budget for the installer, the
   * tab's publish and the audience sync, shared through the pool with the sharing audit when it
   * signs in as the same app), opened on first use; undefined without GRAPH_*.
   */
  graph: () => AupGraph | undefined;
  /** The daily re-reading of audiences with Entra groups, when AUP_AUDIENCE_GROUPS is set. */
  audienceSync?: AupAudienceSync;
  /** For the app's scheduler (the audience sync). */
  periodicJobs: PeriodicJob[];
  start(): void;
  stop(): Promise<void>;
}

export function aupRulesFrom(config: Config): AupRules {
  return { validityMonths: config.aup.validityMonths, reminderDays: config.aup.reminderDays, deadlineDays: config.aup.deadlineDays };
}

/**
 * The AUP capability's moving parts, wired once by the composition root: the bot feature, the
 * broadcast sender and the scheduler (reminders, deadline report, renewals). The proactive
 * installer needs Graph (GRAPH_*) and the app's catalog id (AUP_TEAMS_APP_ID); without them,
 * people who never opened the app are marked failed and listed for the admin.
 */
export function createAupJobs(deps: {
  config: Config;
  db: Db;
  gateway: TeamsGateway;
  logger: Logger;
  now: () => Date;
  defaultServiceUrl: string;
  installer?: AppInstaller;
  senderOptions?: Partial<AupSenderOptions>;
  /** The process's Graph pool: the same app as the sharing audit spends from one RU budget. */
  graphPool?: GraphConnectionPool;
  /** The process's budget and 429 gate for Teams, shared with the outbox. */
  pacing?: TeamsSendPacing;
}): AupJobs {
  const { config, db, logger } = deps;
  const rules = aupRulesFrom(config);
  let graph: AupGraph | undefined;
  let stopped = false;
  // Not reopened once stopped: a request still being answered must not leave sockets open.
  const openGraph = (): AupGraph | undefined => (stopped ? undefined : (graph ??= connectAupGraph(config, deps.graphPool)));
  const installer = deps.installer ?? (config.aup.teamsAppId ? openGraph()?.installer : undefined);
  const sender = new AupSender(
    { db, gateway: deps.gateway, logger: logger.child({ component: 'aup-sender' }), rules, defaultServiceUrl: deps.defaultServiceUrl, botId: config.bot.appId, installer, now: deps.now, pacing: deps.pacing },
    {
      sendsPerSecond: config.aup.sendsPerSecond,
      perConversationPerSecond: config.aup.perConversationPerSecond,
      concurrency: config.aup.senderConcurrency,
      maxAttempts: config.aup.maxSendAttempts,
      pollMs: config.outbox.pollMs,
      baseBackoffMs: config.outbox.minBackoffMs,
      maxBackoffMs: config.outbox.maxBackoffSeconds * 1000,
      ...deps.senderOptions,
    },
  );
  const scheduler = new AupScheduler({ db, logger: logger.child({ component: 'aup-scheduler' }), rules, now: deps.now, onQueued: () => sender.poke() }, config.aup.schedulerIntervalSeconds * 1000);
  // The groups are read in Graph's tenant (GRAPH_TENANT_ID, by default the bootstrap tenant);
  // without Graph the sync still runs, to record (and alert) that it cannot read them.
  const syncTenantId = config.graph?.tenantId ?? config.bootstrap.tenantId;
  const audienceSync =
    syncTenantId && Object.values(config.aup.audienceGroups).some((ids) => ids.length)
      ? new AupAudienceSync({
          db,
          tenantId: syncTenantId,
          audienceGroups: config.aup.audienceGroups,
          graph: openGraph,
          defaultTimeZone: config.bootstrap.timeZone,
          logger: logger.child({ component: 'aup-audience-sync' }),
          now: deps.now,
          onQueued: () => sender.poke(),
        })
      : undefined;
  const feature = createAupFeature({ db, now: deps.now, rules, logger: logger.child({ component: 'aup' }), onQueued: () => sender.poke() });
  return {
    feature,
    sender,
    scheduler,
    rules,
    graph: openGraph,
    audienceSync,
    periodicJobs: audienceSync ? [audienceSync] : [],
    start() {
      sender.start();
      scheduler.start();
    },
    async stop() {
      stopped = true;
      await audienceSync?.stop();
      await scheduler.stop();
      await sender.stop();
      graph?.close();
    },
  };
}
