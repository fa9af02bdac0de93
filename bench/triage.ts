/**
 * npx tsx bench/triage.ts — triage actions ("add a note", from the card in the DSL channel)
 * through the real HTTP endpoint: restify + CloudAdapter + roster check + one transaction
 * (row lock, chronology event sealed and hash-chained, action id, outbox rows) + the DSL's
 * action card rendered from the store; the outbox worker updates the channel card meanwhile,
 * against the Teams connector fake. Compared with a bare echo bot on the same adapter in the
 * same process, answering the same channel invoke.
 *   options: --total N (default 1000)  --concurrency C (default 10)  --concerns M (default 50)
 *   --no-delivery (the outbox worker and scheduler off: the request path alone)
 *   DATABASE_URL → PostgreSQL (a throwaway schema), otherwise in-memory PGlite.
 */
import { randomUUID } from 'node:crypto';
import { type AdaptiveCardInvokeResponse, TeamsActivityHandler } from 'botbuilder';
import { loadConfig } from '../src/config';
import { createJigsaw } from '../src/app';
import { createCloudAdapter } from '../src/bot/adapter';
import { createHttpServer } from '../src/http/server';
import { silentLogger } from '../src/logging';
import { openStore } from '../src/store/open-store';
import { registerDslChannel, replaceDslMembers } from '../src/store/conversation.repo';
import { CARD_CONTENT_TYPE, card, text } from '../src/cards/card-kit';
import { TRIAGE_VERBS } from '../src/cards/triage-card';
import { submitConcernReport } from '../src/services/report-concern';
import { applyTriageAction } from '../src/services/triage-concern';
import { createTeamsConnectorFake } from '../test/fakes/teams-connector';
import { channelInvoke } from '../test/support/activities';
import { formatRow, HEADER, runClosedLoop, summarise } from './stats';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('total', 1000);
const CONCURRENCY = arg('concurrency', 10);
const CONCERNS = arg('concerns', 50);
const TENANT = '6f1c2b3a-0000-4000-8000-0000000000bf';
const team = { id: '19:benchteam@thread.tacv2', name: 'Safeguarding' };
const channel = { id: '19:benchdsl@thread.tacv2', name: 'DSL team' };
const teacher = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000bf', name: 'Bench Teacher', teamsId: '29:bench-teacher' };
const dsl = { aadObjectId: 'bbbbbbbb-0000-4000-8000-0000000000bf', name: 'Bench DSL', teamsId: '29:bench-dsl' };

class EchoBot extends TeamsActivityHandler {
  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card([text('echo')]) as unknown as Record<string, unknown> };
  }
}

async function main(): Promise<void> {
  const fake = await createTeamsConnectorFake({
    tenantId: TENANT,
    users: [teacher, dsl].map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })),
    teams: [{ id: team.id, name: team.name, members: [teacher.aadObjectId, dsl.aadObjectId], channels: [{ id: channel.id, name: channel.name, membershipType: 'private', members: [dsl.aadObjectId] }] }],
    rateLimits: false,
  });
  const env = { PORT: '0', BOOTSTRAP_TENANT_ID: TENANT, LOG_LEVEL: 'silent', ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}`, DATABASE_URL: process.env.DATABASE_URL, OUTBOX_POLL_MS: '20' };
  const config = loadConfig(env);
  const schema = config.store.databaseUrl ? `bench_triage_${Date.now()}` : undefined;
  const db = await openStore({ databaseUrl: config.store.databaseUrl, schema });
  const jigsaw = await createJigsaw(config, { logger: silentLogger, db, defaultServiceUrl: fake.serviceUrl, runWorker: !process.argv.includes('--no-delivery') });
  const jigsawUrl = (await jigsaw.start()).url;
  const ctx = { serviceUrl: fake.serviceUrl, tenantId: TENANT, botId: '28:bench-bot' };

  // The DSL channel and its roster, as "setup" would leave them.
  await registerDslChannel(db, { tenantId: TENANT, teamId: team.id, channelId: channel.id, channelName: channel.name, serviceUrl: fake.serviceUrl, botId: ctx.botId, registeredBy: dsl.aadObjectId });
  await replaceDslMembers(db, TENANT, [{ aadObjectId: dsl.aadObjectId, teamsUserId: dsl.teamsId, displayName: dsl.name }]);

  // Concerns to triage, acknowledged by the DSL (not measured).
  const concernIds: string[] = [];
  const now = () => new Date();
  for (let i = 0; i < CONCERNS; i++) {
    const outcome = await submitConcernReport(
      { db, concerns: jigsaw.concerns, now },
      {
        tenantId: TENANT,
        timeZone: 'Europe/London',
        reporter: teacher,
        raw: { about: 'pupil', category: 'online-bullying', pupils: `Pupil ${i}`, whatHappened: 'Messages in a class group chat calling her names.', occurredOn: '2026-11-20', location: 'Online', urgency: 'standard' },
      },
    );
    if (outcome.kind !== 'accepted') throw new Error('could not report');
    concernIds.push(outcome.concern.concernId);
    await applyTriageAction(
      { db, concerns: jigsaw.concerns, now, patterns: { threshold: 3, windowDays: 30 } },
      { tenantId: TENANT, concernId: outcome.concern.concernId, actor: dsl, command: { kind: 'take-ownership' }, actionId: randomUUID(), verb: TRIAGE_VERBS.takeOwnership },
    );
  }

  const echoServer = createHttpServer({ adapter: createCloudAdapter(config, silentLogger), bot: new EchoBot(), logger: silentLogger, readiness: async () => ({ ready: true, checks: {} }) });
  const echo = await echoServer.listen('127.0.0.1', 0);

  const failures = new Map<string, number>();
  const addNote = (url: string) => async (i: number) => {
    const concernId = concernIds[i % concernIds.length];
    const activity = channelInvoke(ctx, dsl, { team, channel, rootId: '1700000000000' }, TRIAGE_VERBS.addNote, {
      concernId,
      actionId: randomUUID(),
      note: `Spoke to the class teacher and the pupil; agreed a check-in on Friday (${i}).`,
    });
    let res: Response;
    try {
      res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    } catch (err) {
      // A connection reset by keep-alive timing is a client/transport artefact: count it, go on.
      failures.set(url, (failures.get(url) ?? 0) + 1);
      if (failures.get(url)! > 10) throw err;
      return;
    }
    const body = await res.text();
    if (res.status !== 200 || (url === jigsawUrl && !body.includes('Recorded: Note added'))) throw new Error(`unexpected answer ${res.status}: ${body.slice(0, 300)}`);
  };

  // Warm both up (JIT, pools), then measure the echo first and triage second.
  await runClosedLoop(50, 5, addNote(echo.url));
  await runClosedLoop(50, 5, addNote(jigsawUrl));
  const echoRun = await runClosedLoop(TOTAL, CONCURRENCY, addNote(echo.url));
  const echoStats = summarise(echoRun.latencies, echoRun.wallMs);
  const triageRun = await runClosedLoop(TOTAL, CONCURRENCY, addNote(jigsawUrl));
  const triageStats = summarise(triageRun.latencies, triageRun.wallMs);

  const [notes] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM concern_events WHERE event_type = 'note-added'`);
  console.log(`bench:triage — ${TOTAL} "add note" actions from the channel card, ${CONCURRENCY} concurrent over ${CONCERNS} concerns, store: ${db.kind}, node ${process.version}`);
  console.log(HEADER);
  console.log(formatRow('echo bot (same adapter)', echoStats));
  console.log(formatRow('concern.add-note (Jigsaw)', triageStats));
  console.log(`ratio p95 triage/echo: ${(triageStats.p95 / echoStats.p95).toFixed(2)}x   p50: ${(triageStats.p50 / echoStats.p50).toFixed(2)}x   throughput: ${(echoStats.throughputPerSecond / triageStats.throughputPerSecond).toFixed(2)}x slower`);
  console.log(`notes recorded: ${notes.n} (expected ${TOTAL + 50}); transport failures: echo ${failures.get(echo.url) ?? 0}, triage ${failures.get(jigsawUrl) ?? 0}`);

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
