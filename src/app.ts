import type { Config } from './config';
import type { Db } from './store/db';
import { openStore } from './store/open-store';
import { ConcernRepository } from './store/concern.repo';
import { resolveCipher, wrongMasterKeysProblem } from './store/master-keys';
import { rekeyPupils } from './store/pupil-rekey';
import { PUPIL_KEY_VERSION } from './domain/people/pupil-key';
import { assignRole, clearConfiguredRole, clearRole, type Role, upsertTenant } from './store/tenant.repo';
import { recordConfigurationChanges, snapshotRoleHolders } from './store/role-changes.repo';
import { type HeldAllegationDeps, releaseHeldAllegations } from './services/held-allegations';
import { outboxLagSeconds } from './store/outbox.repo';
import { createCloudAdapter } from './bot/adapter';
import { BotbuilderGateway } from './bot/botbuilder-gateway';
import { JigsawBot } from './bot/jigsaw-bot';
import type { BotFeature } from './bot/bot-feature';
import { createHttpServer, type RunningHttpServer } from './http/server';
import { createOutboxMetrics, OutboxWorker } from './jobs/outbox-worker';
import { createTeamsSendPacing } from './jobs/send-pacing';
import { MetricsRegistry } from './metrics';
import { registerStoreMetrics } from './jobs/store-metrics';
import type { TeamsGateway } from './jobs/teams-gateway';
import { GraphConnectionPool } from './graph/graph-connection-pool';
import { type AupJobs, createAupJobs } from './jobs/aup-jobs';
import type { AppInstaller } from './domain/aup/ports';
import { Scheduler } from './jobs/scheduler';
import { TriageFeature } from './bot/features/triage-feature';
import { createSharingAuditFeature } from './bot/features/sharing-audit-feature';
import { ScheduledSharingAudit } from './jobs/sharing-audit/scheduled-audit';
import { connectSharingAudit, lazySharingAuditConnection, type SharingAuditConnection } from './services/sharing-audit-connection';
import { describeError, type Logger } from './logging';
import { TabTokenValidator } from './http/tab-auth';
import { TabApi } from './http/tab-api';
import { createTabAssets } from './http/tab-static';
import { TabConcernRepository } from './store/tab-concerns.repo';
import { getTenant } from './store/tenant.repo';
import { join } from 'node:path';

export interface JigsawOptions {
  logger: Logger;
  /** An already-open store (tests); otherwise the one the configuration names. */
  db?: Db;
  now?: () => Date;
  /** Replaces the botbuilder gateway (tests of the worker only). */
  gateway?: TeamsGateway;
  /** Start the outbox worker (default true). */
  runWorker?: boolean;
  /** Where Teams is reached to open a chat with someone who never messaged the bot. */
  defaultServiceUrl?: string;
  /** Replaces the Graph installer of the Teams app for AUP recipients (tests). */
  aupInstaller?: AppInstaller;
  /** Threshold for /readyz. */
  maxOutboxLagSeconds?: number;
  /** Where the built tab is (default: dist/tab beside the compiled code). */
  tabDir?: string;
  /** Opens the sharing audit's Graph connection (default: from configuration). */
  sharingAuditConnection?: () => SharingAuditConnection;
}

export interface Jigsaw {
  config: Config;
  db: Db;
  concerns: ConcernRepository;
  worker: OutboxWorker;
  /** Escalation timers and pattern alerts. */
  scheduler: Scheduler;
  /** The daily sharing audit (AUDIT_SCHEDULE), when configured. */
  scheduledAudit?: ScheduledSharingAudit;
  /** Acceptable Use Policies: bot feature, broadcast sender, scheduler. */
  aup: AupJobs;
  /** Prometheus metrics (/metrics); capabilities add their own counters here. */
  metrics: MetricsRegistry;
  http?: RunningHttpServer;
  start(): Promise<RunningHttpServer>;
  stop(): Promise<void>;
}

/** The composition root: config → store → services → HTTP server and jobs. */
export async function createJigsaw(config: Config, options: JigsawOptions): Promise<Jigsaw> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const ownsDb = !options.db;
  const db = options.db ?? (await openConfiguredStore(config));
  const cipher = resolveCipher({ keys: config.encryption.keys, activeKeyId: config.encryption.activeKeyId, mode: config.mode, dataDir: ownsDb && !config.store.databaseUrl ? config.store.dataDir : undefined });
  // A wrong key under the right id must stop the start: re-keying pupils would otherwise find every
  // name unreadable and record that as done, and new chronology links would be made under it.
  const wrongKey = await wrongMasterKeysProblem(db, cipher);
  if (wrongKey) {
    if (ownsDb) await db.close();
    throw new Error(wrongKey);
  }
  const concerns = new ConcernRepository(cipher);
  // Before anything reads a pupil key: keys stored by an older version are brought up to date (once per store).
  const rekeyed = await rekeyPupils(db, cipher);
  if (rekeyed) logger.info({ pupilKeyVersion: PUPIL_KEY_VERSION, ...rekeyed }, 'pupil keys brought up to date');
  await bootstrapTenant({ db, concerns, now }, config);

  const adapter = createCloudAdapter(config, logger.child({ component: 'bot' }));
  const gateway = options.gateway ?? new BotbuilderGateway(adapter, config.bot.appId);
  const metrics = new MetricsRegistry();
  // Teams throttles the app per tenant: the outbox and the AUP broadcast send from one budget.
  const teamsPacing = createTeamsSendPacing(config.aup.sendsPerSecond);
  const worker = new OutboxWorker(
    { db, concerns, gateway, logger: logger.child({ component: 'outbox' }), now, defaultServiceUrl: options.defaultServiceUrl ?? 'https://smba.trafficmanager.net/teams/', botId: config.bot.appId, metrics: createOutboxMetrics(metrics), pacing: teamsPacing },
    {
      pollMs: config.outbox.pollMs,
      alertAfterAttempts: config.outbox.alertAfterAttempts,
      maxBackoffMs: config.outbox.maxBackoffSeconds * 1000,
      baseBackoffMs: config.outbox.minBackoffMs,
      leaseMs: config.outbox.leaseSeconds * 1000,
      concurrency: config.outbox.concurrency,
    },
  );
  // One Graph app per registration in this process: the AUPs and the sharing audit sign in as the
  // same app, and Microsoft throttles the app, so they spend from one RU budget and token cache.
  const graphPool = new GraphConnectionPool();
  // Capabilities beyond reporting register here (one line each): triage, AUPs, audits.
  const aup = createAupJobs({ config, db, gateway, logger, now, defaultServiceUrl: options.defaultServiceUrl ?? 'https://smba.trafficmanager.net/teams/', installer: options.aupInstaller, graphPool, pacing: teamsPacing });
  const triageSettings = { patterns: { threshold: config.triage.patternThreshold, windowDays: config.triage.patternWindowDays } };
  const triage = new TriageFeature({ db, concerns, logger: logger.child({ component: 'triage' }), now, onOutboxChanged: () => worker.poke(), rosterTtlMs: config.triage.rosterTtlSeconds * 1000, aupValidityMonths: config.aup.validityMonths, ...triageSettings });
  const sharingGraph = lazySharingAuditConnection(options.sharingAuditConnection ?? (() => connectSharingAudit(config, { pool: graphPool })));
  const features: BotFeature[] = [aup.feature, triage, createSharingAuditFeature({ db, config, logger: logger.child({ component: 'sharing-audit' }), now, onOutboxChanged: () => worker.poke(), graph: sharingGraph.get })];
  const bot = new JigsawBot({ db, concerns, logger: logger.child({ component: 'bot' }), allowedTenantIds: config.allowedTenantIds, now, onOutboxChanged: () => worker.poke(), features });
  const scheduledAudit =
    config.audit.scheduleAt && config.graph
      ? new ScheduledSharingAudit({
          db,
          tenantId: config.graph.tenantId,
          scheduleAt: config.audit.scheduleAt,
          defaultTimeZone: config.bootstrap.timeZone,
          graph: sharingGraph.get,
          contentEvidence: config.audit.contentEvidence,
          remediationEnabled: config.remediation.enabled,
          logger: logger.child({ component: 'sharing-audit' }),
          now,
          onOutboxChanged: () => worker.poke(),
        })
      : undefined;
  const scheduler = new Scheduler(
    { db, concerns, logger: logger.child({ component: 'scheduler' }), now, onOutboxChanged: () => worker.poke(), escalation: { firstMinutes: config.triage.escalationFirstMinutes, secondMinutes: config.triage.escalationSecondMinutes }, periodicJobs: [...(scheduledAudit ? [scheduledAudit] : []), ...aup.periodicJobs], ...triageSettings },
    { pollMs: config.triage.schedulerPollMs },
  );
  const maxLag = options.maxOutboxLagSeconds ?? config.readyMaxOutboxLagSeconds;
  registerStoreMetrics(metrics, db, now);
  const tabValidator = new TabTokenValidator({
    audiences: config.tab.audiences,
    jwksUrlTemplate: config.tab.jwksUrlTemplate,
    issuerTemplate: config.tab.issuerTemplate,
    allowedTenantIds: config.allowedTenantIds,
    isKnownTenant: async (tenantId) => Boolean(await getTenant(db, tenantId)),
  });
  const tabApi = new TabApi({
    db,
    concerns,
    tabConcerns: new TabConcernRepository(cipher),
    config,
    now,
    validator: tabValidator,
    logger: logger.child({ component: 'tab' }),
    onOutboxChanged: () => worker.poke(),
    onAupQueued: () => aup.sender.poke(),
    sharingGraph: sharingGraph.get,
    aupGraph: aup.graph,
    ...triageSettings,
  });
  // Compiled, this file is dist/app.js and the tab is dist/tab; run from source (tests), the built tab is still in dist/tab.
  const tabDir = options.tabDir ?? (__filename.endsWith('.js') ? join(__dirname, 'tab') : join(__dirname, '..', 'dist', 'tab'));
  const http = createHttpServer({
    adapter,
    bot,
    logger: logger.child({ component: 'http' }),
    tab: { api: tabApi, assets: createTabAssets(tabDir, { devTokens: config.tab.devTokens }) },
    readiness: async () => {
      let lag: number;
      try {
        lag = await withinReadinessTimeout(outboxLagSeconds(db, now()));
      } catch (err) {
        logger.warn(describeError(err), 'readiness: store unreachable');
        return { ready: false, checks: { store: 'unreachable' } };
      }
      return { ready: lag <= maxLag, checks: { store: 'ok', outboxLagSeconds: Math.round(lag), maxOutboxLagSeconds: maxLag } };
    },
    metrics: { render: () => metrics.render(), token: config.metricsToken, open: config.mode === 'local' },
  });

  const jigsaw: Jigsaw = {
    config,
    db,
    concerns,
    worker,
    scheduler,
    scheduledAudit,
    aup,
    metrics,
    async start() {
      jigsaw.http = await http.listen(config.host, config.port);
      if (options.runWorker !== false) worker.start();
      if (options.runWorker !== false) aup.start();
      if (options.runWorker !== false) scheduler.start();
      logger.info({ url: jigsaw.http.url, mode: config.mode }, 'Jigsaw is listening');
      return jigsaw.http;
    },
    async stop() {
      await scheduler.stop();
      await aup.stop();
      await worker.stop();
      await jigsaw.http?.close();
      sharingGraph.close();
      if (ownsDb) await db.close();
    },
  };
  return jigsaw;
}

/**
 * Opens the store the configuration names. A failure says which setting to look at (the URL's
 * host and database, never its password) instead of a bare "ECONNREFUSED" or PGlite's empty
 * file-system error.
 */
async function openConfiguredStore(config: Config): Promise<Db> {
  const { databaseUrl, ownerUrl, dataDir } = config.store;
  try {
    return await openStore({ databaseUrl, ownerUrl, dataDir });
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown; code?: unknown; errno?: unknown };
    const reason = (typeof e?.message === 'string' && e.message) || [e?.name, e?.code ?? (e?.errno !== undefined ? `errno ${String(e.errno)}` : undefined)].filter(Boolean).join(' ') || 'unknown error';
    if (!databaseUrl) throw new Error(`cannot open the embedded database in DATA_DIR (${dataDir}): ${reason}. Check that the folder exists or can be created, and that Jigsaw may write to it.`);
    const where = (url: string): string => {
      try {
        const u = new URL(url);
        return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
      } catch {
        return 'an unreadable URL';
      }
    };
    const settings = ownerUrl ? `DATABASE_URL (${where(databaseUrl)}) or DATABASE_OWNER_URL (${where(ownerUrl)})` : `DATABASE_URL (${where(databaseUrl)})`;
    throw new Error(`cannot open the database named by ${settings}: ${reason}`);
  }
}

/**
 * Makes the configured tenant and its role holders exist (configuration is the bootstrap
 * source). A headteacher or chair named here receives, in the same transaction, the concerns
 * about adults held because nobody could receive them.
 */
async function bootstrapTenant(deps: HeldAllegationDeps, config: Config): Promise<void> {
  const { db } = deps;
  const b = config.bootstrap;
  if (!b.tenantId) return;
  const tenantId = b.tenantId;
  await upsertTenant(db, { tenantId, schoolName: b.schoolName, timeZone: b.timeZone });
  const single: [Role, string | undefined][] = [
    ['headteacher', b.headteacherAadId],
    ['chair', b.chairAadId],
    ['dpo', b.dpoAadId],
    ['it_manager', b.itManagerAadId],
    ['online_safety_lead', b.onlineSafetyLeadAadId],
  ];
  await db.transaction(async (tx) => {
    const before = await snapshotRoleHolders(tx, tenantId);
    for (const [role, holder] of single) {
      // Configuration wins for a one-person role: a holder set in the tab gives way to it.
      if (holder) {
        await clearRole(tx, tenantId, role);
        await assignRole(tx, tenantId, role, holder);
      } else await clearConfiguredRole(tx, tenantId, role);
    }
    await clearConfiguredRole(tx, tenantId, 'admin');
    for (const admin of b.adminAadIds) await assignRole(tx, tenantId, 'admin', admin);
    // What configuration changed is audited like a change in the tab (who: the deployment settings).
    await recordConfigurationChanges(tx, tenantId, before, deps.now());
    await releaseHeldAllegations({ ...deps, db: tx }, tenantId);
  });
}

/**
 * How long /readyz waits for the store. A database whose network silently drops traffic leaves
 * a query waiting for the TCP timeout (minutes): the probe is answered "unreachable" in time
 * instead, so the platform takes the instance out of rotation rather than timing the probe out.
 */
export const READINESS_STORE_TIMEOUT_MS = 5_000;

function withinReadinessTimeout<T>(query: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${READINESS_STORE_TIMEOUT_MS} ms`)), READINESS_STORE_TIMEOUT_MS);
  });
  query.catch(() => undefined);
  return Promise.race([query, timeout]).finally(() => clearTimeout(timer));
}
