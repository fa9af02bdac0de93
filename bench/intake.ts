/**
 * npm run bench:intake — concern submissions through the real HTTP endpoint (restify +
 * CloudAdapter + validation + one transaction + outbox) against the Teams connector fake,
 * compared with a bare echo bot on the same adapter in the same process.
 *   options: --total N (default 2000)  --concurrency C (default 50)  (DATABASE_URL → PostgreSQL)
 */
import { randomUUID } from 'node:crypto';
import { type AdaptiveCardInvokeResponse, TeamsActivityHandler } from 'botbuilder';
import { loadConfig } from '../src/config';
import { createJigsaw } from '../src/app';
import { createCloudAdapter } from '../src/bot/adapter';
import { createHttpServer } from '../src/http/server';
import { silentLogger } from '../src/logging';
import { openStore } from '../src/store/open-store';
import { CARD_CONTENT_TYPE, card, text } from '../src/cards/card-kit';
import { createTeamsConnectorFake } from '../test/fakes/teams-connector';
import { personalInvoke } from '../test/support/activities';
import { formatRow, HEADER, runClosedLoop, summarise } from './stats';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('total', 2000);
const CONCURRENCY = arg('concurrency', 50);
const TENANT = '6f1c2b3a-0000-4000-8000-0000000000be';
const teacher = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000be', name: 'Bench Teacher', teamsId: '29:bench-teacher' };

class EchoBot extends TeamsActivityHandler {
  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card([text('echo')]) as unknown as Record<string, unknown> };
  }
}

async function main(): Promise<void> {
  const fake = await createTeamsConnectorFake({ tenantId: TENANT, users: [{ aadObjectId: teacher.aadObjectId, name: teacher.name, id: teacher.teamsId }], rateLimits: false });
  const env = { PORT: '0', BOOTSTRAP_TENANT_ID: TENANT, LOG_LEVEL: 'silent', ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}`, DATABASE_URL: process.env.DATABASE_URL };
  const config = loadConfig(env);
  const db = await openStore({ databaseUrl: config.store.databaseUrl, schema: config.store.databaseUrl ? `bench_${Date.now()}` : undefined });
  const jigsaw = await createJigsaw(config, { logger: silentLogger, db, defaultServiceUrl: fake.serviceUrl, runWorker: !process.argv.includes("--no-delivery") });
  const jigsawUrl = (await jigsaw.start()).url;

  const echoServer = createHttpServer({ adapter: createCloudAdapter(config, silentLogger), bot: new EchoBot(), logger: silentLogger, readiness: async () => ({ ready: true, checks: {} }) });
  const echo = await echoServer.listen('127.0.0.1', 0);

  const ctx = { serviceUrl: fake.serviceUrl, tenantId: TENANT, botId: '28:bench-bot' };
  const conversationId = fake.personalConversationId(teacher.aadObjectId);
  const submit = (url: string) => async () => {
    const activity = personalInvoke(ctx, teacher, conversationId, 'report.submit', {
      submissionId: randomUUID(),
      category: 'online-bullying',
      about: 'pupil',
      pupils: 'Amelia Okonkwo',
      whatHappened: 'Amelia showed me messages in a class group chat calling her names.',
      childWords: 'They said nobody wants me there.',
      occurredOn: '2026-11-20',
      location: 'Year 6 classroom',
      urgency: 'standard',
    });
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const body = await res.text();
    if (res.status !== 200 || (url === jigsawUrl && !body.includes('C-20'))) throw new Error(`unexpected answer ${res.status}: ${body.slice(0, 200)}`);
  };

  // Warm both up (JIT, connection pools), then measure echo first and Jigsaw second.
  await runClosedLoop(100, 10, submit(echo.url));
  await runClosedLoop(100, 10, submit(jigsawUrl));
  const echoRun = runClosedLoop(TOTAL, CONCURRENCY, submit(echo.url));
  const echoStats = summarise(...Object.values(await echoRun) as [number[], number]);
  const intakeRun = await runClosedLoop(TOTAL, CONCURRENCY, submit(jigsawUrl));
  const intakeStats = summarise(intakeRun.latencies, intakeRun.wallMs);

  const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM concerns');
  console.log(`bench:intake — ${TOTAL} submissions, ${CONCURRENCY} concurrent, store: ${db.kind}, node ${process.version}`);
  console.log(HEADER);
  console.log(formatRow('echo bot (same adapter)', echoStats));
  console.log(formatRow('report.submit (Jigsaw)', intakeStats));
  console.log(`ratio p95 intake/echo: ${(intakeStats.p95 / echoStats.p95).toFixed(2)}x   p50: ${(intakeStats.p50 / echoStats.p50).toFixed(2)}x   throughput: ${(echoStats.throughputPerSecond / intakeStats.throughputPerSecond).toFixed(2)}x slower`);
  console.log(`concerns stored: ${stored[0].n} (expected ${TOTAL + 100}); targets: p95 < 50 ms, ≤ 3× echo`);

  await echo.close();
  await jigsaw.stop();
  if (db.kind === 'postgres') await db.exec(`DROP SCHEMA IF EXISTS bench_schema_never CASCADE`);
  await db.close();
  await fake.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
