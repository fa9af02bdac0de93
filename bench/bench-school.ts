/**
 * What the request benchmarks share: a configured school on the Teams connector fake (a DSL
 * team whose private channel is registered, with its roster, as `setup` leaves it), Jigsaw on
 * PGlite or (DATABASE_URL) a throwaway PostgreSQL schema, and a bare echo bot on the same
 * adapter in the same process as the baseline. The fake runs in its own process, as Teams is
 * another machine.
 */
import { type AdaptiveCardInvokeResponse, TeamsActivityHandler } from 'botbuilder';
import { type Config, loadConfig } from '../src/config';
import { createJigsaw, type Jigsaw } from '../src/app';
import { createCloudAdapter } from '../src/bot/adapter';
import { createHttpServer } from '../src/http/server';
import { silentLogger } from '../src/logging';
import { openStore } from '../src/store/open-store';
import type { Db } from '../src/store/db';
import { registerDslChannel, replaceDslMembers } from '../src/store/conversation.repo';
import { CARD_CONTENT_TYPE, card, text } from '../src/cards/card-kit';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { TeamsConnectorFakeOptions } from '../test/fakes/teams-connector';
import type { ConnectorReply, ConnectorRequest } from './connector-child';
import type { LatencySummary } from './stats';

/** `--name N` from the command line, or the fallback. */
export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

class EchoBot extends TeamsActivityHandler {
  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card([text('echo')]) as unknown as Record<string, unknown> };
  }
}

/** The Teams connector fake, running in its own process (bench/connector-child.ts). */
export interface BenchConnector {
  readonly serviceUrl: string;
  personalConversationId(aadObjectId: string): string;
  /** How many activities the fake holds in a conversation. */
  countActivitiesIn(conversationId: string): Promise<number>;
  stop(): Promise<void>;
}

async function startConnectorProcess(options: TeamsConnectorFakeOptions, personalFor: string[]): Promise<BenchConnector> {
  const child = fork(join(__dirname, 'connector-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  // One request at a time: each waits for its answer before the next is sent.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T extends ConnectorReply['op']>(request: ConnectorRequest, expect: T): Promise<Extract<ConnectorReply, { op: T }>> => {
    const answer = queue.then(
      () =>
        new Promise<Extract<ConnectorReply, { op: T }>>((resolve, reject) => {
          child.once('message', (reply: ConnectorReply) => {
            if (reply.op === expect) resolve(reply as Extract<ConnectorReply, { op: T }>);
            else reject(new Error(reply.op === 'error' ? reply.message : `connector process answered ${reply.op}`));
          });
          child.send(request);
        }),
    );
    queue = answer.catch(() => undefined);
    return answer;
  };
  const started = await ask({ op: 'start', options, personalFor }, 'started');
  return {
    serviceUrl: started.serviceUrl,
    personalConversationId: (aadObjectId) => {
      const id = started.personalConversationIds[aadObjectId];
      if (!id) throw new Error(`no personal conversation was asked for ${aadObjectId}`);
      return id;
    },
    countActivitiesIn: async (conversationId) => (await ask({ op: 'activitiesIn', conversationId }, 'activitiesIn')).count,
    stop: async () => {
      await ask({ op: 'stop' }, 'stopped');
    },
  };
}

export interface BenchSchool {
  tenantId: string;
  fake: BenchConnector;
  config: Config;
  db: Db;
  jigsaw: Jigsaw;
  jigsawUrl: string;
  echoUrl: string;
  ctx: { serviceUrl: string; tenantId: string; botId: string };
  team: { id: string; name: string };
  channel: { id: string; name: string };
  teacher: { aadObjectId: string; name: string; teamsId: string };
  dsl: { aadObjectId: string; name: string; teamsId: string };
  stop(): Promise<void>;
}

export async function startBenchSchool(options: { tenantId: string; schemaPrefix: string; env?: Record<string, string> }): Promise<BenchSchool> {
  const tenantId = options.tenantId;
  const team = { id: '19:benchteam000000000000000000000@thread.tacv2', name: 'Safeguarding' };
  const channel = { id: '19:benchdslchannel00000000000000@thread.tacv2', name: 'DSL team' };
  const teacher = { aadObjectId: `aaaaaaaa-0000-4000-8000-${tenantId.slice(-12)}`, name: 'Bench Teacher', teamsId: '29:bench-teacher' };
  const dsl = { aadObjectId: `dddddddd-0000-4000-8000-${tenantId.slice(-12)}`, name: 'Bench DSL', teamsId: '29:bench-dsl' };
  const fake = await startConnectorProcess(
    {
      tenantId,
      users: [teacher, dsl].map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })),
      teams: [{ id: team.id, name: team.name, members: [teacher.aadObjectId, dsl.aadObjectId], channels: [{ id: channel.id, name: channel.name, membershipType: 'private', members: [dsl.aadObjectId] }] }],
      rateLimits: false,
    },
    [teacher.aadObjectId, dsl.aadObjectId],
  );
  const config = loadConfig({ PORT: '0', BOOTSTRAP_TENANT_ID: tenantId, LOG_LEVEL: 'silent', ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}`, DATABASE_URL: process.env.DATABASE_URL, ...options.env });
  const schema = config.store.databaseUrl ? `${options.schemaPrefix}_${Date.now()}` : undefined;
  const db = await openStore({ databaseUrl: config.store.databaseUrl, schema });
  const jigsaw = await createJigsaw(config, { logger: silentLogger, db, defaultServiceUrl: fake.serviceUrl, runWorker: !process.argv.includes('--no-delivery') });
  const jigsawUrl = (await jigsaw.start()).url;
  const ctx = { serviceUrl: fake.serviceUrl, tenantId, botId: '28:bench-bot' };
  await registerDslChannel(db, { tenantId, teamId: team.id, channelId: channel.id, channelName: channel.name, serviceUrl: fake.serviceUrl, botId: ctx.botId, registeredBy: dsl.aadObjectId });
  await replaceDslMembers(db, tenantId, [{ aadObjectId: dsl.aadObjectId, teamsUserId: dsl.teamsId, displayName: dsl.name }]);

  const echoServer = createHttpServer({ adapter: createCloudAdapter(config, silentLogger), bot: new EchoBot(), logger: silentLogger, readiness: async () => ({ ready: true, checks: {} }) });
  const echo = await echoServer.listen('127.0.0.1', 0);

  return {
    tenantId,
    fake,
    config,
    db,
    jigsaw,
    jigsawUrl,
    echoUrl: echo.url,
    ctx,
    team,
    channel,
    teacher,
    dsl,
    async stop() {
      await echo.close();
      await jigsaw.stop();
      if (schema) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
      await fake.stop();
    },
  };
}

/** The ratio line both request benchmarks print. */
export function ratioLine(name: string, measured: LatencySummary, echo: LatencySummary): string {
  return `ratio p95 ${name}/echo: ${(measured.p95 / echo.p95).toFixed(2)}x   p50: ${(measured.p50 / echo.p50).toFixed(2)}x   throughput: ${(echo.throughputPerSecond / measured.throughputPerSecond).toFixed(2)}x slower`;
}
