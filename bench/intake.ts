/**
 * npm run bench:intake — concern submissions through the real HTTP endpoint (restify +
 * CloudAdapter + validation + one transaction + outbox) against the Teams connector fake,
 * compared with a bare echo bot on the same adapter in the same process.
 * The load generator is a child process with its own keep-alive connections.
 *   options: --total N (default 2000)  --concurrency C (default 50)  (DATABASE_URL → PostgreSQL)
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { type AdaptiveCardInvokeResponse, TeamsActivityHandler } from 'botbuilder';
import { loadConfig } from '../src/config';
import { createJigsaw } from '../src/app';
import { createCloudAdapter } from '../src/bot/adapter';
import { createHttpServer } from '../src/http/server';
import { silentLogger } from '../src/logging';
import { openStore } from '../src/store/open-store';
import { registerDslChannel } from '../src/store/conversation.repo';
import { CARD_CONTENT_TYPE, card, text } from '../src/cards/card-kit';
import { createTeamsConnectorFake } from '../test/fakes/teams-connector';
import { formatRow, HEADER, summarise } from './stats';
import type { LoadJob, LoadResult } from './load-generator';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('total', 2000);
const CONCURRENCY = arg('concurrency', 50);
const TENANT = '6f1c2b3a-0000-4000-8000-0000000000be';
const TEAM_ID = '19:benchteam000000000000000000000@thread.tacv2';
const CHANNEL_ID = '19:benchdslchannel00000000000000@thread.tacv2';
const dsl = { aadObjectId: 'dddddddd-0000-4000-8000-0000000000be', name: 'Bench DSL', teamsId: '29:bench-dsl' };
const teacher = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000be', name: 'Bench Teacher', teamsId: '29:bench-teacher' };

class EchoBot extends TeamsActivityHandler {
  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card([text('echo')]) as unknown as Record<string, unknown> };
  }
}

async function main(): Promise<void> {
  // A configured school: the DSL channel is registered, so every concern is really delivered
  // (the outbox posts its card to the fake connector), as in production.
  const fake = await createTeamsConnectorFake({
    tenantId: TENANT,
    users: [{ aadObjectId: teacher.aadObjectId, name: teacher.name, id: teacher.teamsId }, { aadObjectId: dsl.aadObjectId, name: dsl.name, id: dsl.teamsId }],
    teams: [{ id: TEAM_ID, name: 'Safeguarding', members: [teacher.aadObjectId, dsl.aadObjectId], channels: [{ id: CHANNEL_ID, name: 'DSL team', membershipType: 'private', members: [dsl.aadObjectId] }] }],
    rateLimits: false,
  });
  const env = { PORT: '0', BOOTSTRAP_TENANT_ID: TENANT, LOG_LEVEL: 'silent', ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}`, DATABASE_URL: process.env.DATABASE_URL };
  const config = loadConfig(env);
  const schema = config.store.databaseUrl ? `bench_${Date.now()}` : undefined;
  const db = await openStore({ databaseUrl: config.store.databaseUrl, schema });
  const jigsaw = await createJigsaw(config, { logger: silentLogger, db, defaultServiceUrl: fake.serviceUrl, runWorker: !process.argv.includes("--no-delivery") });
  const jigsawUrl = (await jigsaw.start()).url;
  await registerDslChannel(db, { tenantId: TENANT, teamId: TEAM_ID, channelId: CHANNEL_ID, channelName: 'DSL team', serviceUrl: fake.serviceUrl, botId: '28:bench-bot', registeredBy: dsl.aadObjectId });

  const echoServer = createHttpServer({ adapter: createCloudAdapter(config, silentLogger), bot: new EchoBot(), logger: silentLogger, readiness: async () => ({ ready: true, checks: {} }) });
  const echo = await echoServer.listen('127.0.0.1', 0);

  const ctx = { serviceUrl: fake.serviceUrl, tenantId: TENANT, botId: '28:bench-bot' };
  const conversationId = fake.personalConversationId(teacher.aadObjectId);
  // The load comes from a child process (bench/load-generator.ts), kept for the whole run.
  const generator = fork(join(__dirname, 'load-generator.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const runLoad = (url: string, total: number, concurrency: number): Promise<{ latencies: number[]; wallMs: number }> =>
    new Promise((resolve, reject) => {
      const job: LoadJob = { url, total, concurrency, expectReference: url === jigsawUrl, ctx, teacher, conversationId };
      generator.once('message', (result: LoadResult) => (result.error ? reject(new Error(result.error)) : resolve(result)));
      generator.send(job);
    });


  const drainOutbox = async (): Promise<number> => {
    const started = performance.now();
    for (;;) {
      const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE status <> 'sent'");
      if (n === 0 || performance.now() - started > 120_000) return n;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // Warm both up (JIT, connection pools) and let the warm-up's channel cards go out, so the
  // echo run is not sharing the process with Jigsaw's deliveries; then echo first, Jigsaw second.
  await runLoad(echo.url, 200, CONCURRENCY);
  await runLoad(jigsawUrl, 200, CONCURRENCY);
  await drainOutbox();
  const echoRun = await runLoad(echo.url, TOTAL, CONCURRENCY);
  const echoStats = summarise(echoRun.latencies, echoRun.wallMs);
  const intakeRun = await runLoad(jigsawUrl, TOTAL, CONCURRENCY);
  const intakeStats = summarise(intakeRun.latencies, intakeRun.wallMs);

  const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM concerns');
  // The channel cards are delivered after the receipt; wait for the outbox to drain.
  const drainStarted = performance.now();
  const undelivered = await drainOutbox();
  const channelCards = fake.activitiesIn(CHANNEL_ID).length;
  const pending = await db.query<{ kind: string; status: string; n: number }>("SELECT kind, status || ' (' || coalesce(last_error, 'no error') || ')' AS status, count(*)::int AS n FROM outbox WHERE status <> 'sent' GROUP BY 1, 2");
  const outboxKinds = await db.query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM outbox GROUP BY 1 ORDER BY 1");
  console.log(`bench:intake — ${TOTAL} submissions, ${CONCURRENCY} concurrent, store: ${db.kind}, node ${process.version}`);
  console.log(HEADER);
  console.log(formatRow('echo bot (same adapter)', echoStats));
  console.log(formatRow('report.submit (Jigsaw)', intakeStats));
  console.log(`ratio p95 intake/echo: ${(intakeStats.p95 / echoStats.p95).toFixed(2)}x   p50: ${(intakeStats.p50 / echoStats.p50).toFixed(2)}x   throughput: ${(echoStats.throughputPerSecond / intakeStats.throughputPerSecond).toFixed(2)}x slower`);
  console.log(`concerns stored: ${stored[0].n} (expected ${TOTAL + 200}); cards in the DSL channel: ${channelCards}; outbox drained ${(performance.now() - drainStarted).toFixed(0)} ms after the last receipt (${undelivered} undelivered)`);
  console.log(`outbox: ${outboxKinds.map((k) => `${k.kind} ${k.n}`).join(', ')}${pending.length ? `; not sent: ${pending.map((p) => `${p.kind}/${p.status} ${p.n}`).join(', ')}` : ''}`);
  console.log('targets: p95 < 50 ms, ≤ 3× echo');

  generator.kill();
  await echo.close();
  await jigsaw.stop();
  if (schema) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
  await fake.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
