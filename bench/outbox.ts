/**
 * npm run bench:outbox — the outbox draining a burst of bulk notices (as "Notify owners" queues
 * one digest per file owner) while a safeguarding message arrives behind them, against the Teams
 * connector fake with Teams' rate limits on and a simulated network latency.
 *
 * Runs the same burst twice in one process: the baseline sends one message at a time
 * (OUTBOX_CONCURRENCY=1, the worker before this change), then at the configured concurrency.
 * Prints messages/s, the ratio, 429s, and how long the safeguarding message waited.
 *   options: --notices N (default 300)  --concurrency C (default 4)  --latency MS (default 100)
 *            --rate R (shared budget, requests/s, default 25)
 *   DATABASE_URL → PostgreSQL (a throwaway schema per run), otherwise in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { createCloudAdapter } from '../src/bot/adapter';
import { BotbuilderGateway } from '../src/bot/botbuilder-gateway';
import { loadConfig } from '../src/config';
import { OutboxWorker } from '../src/jobs/outbox-worker';
import { createTeamsSendPacing } from '../src/jobs/send-pacing';
import { silentLogger } from '../src/logging';
import { OUTBOX_KINDS, userTarget } from '../src/services/report-concern';
import { ConcernRepository } from '../src/store/concern.repo';
import { NarrativeCipher } from '../src/store/narrative-cipher';
import { savePersonalConversation } from '../src/store/conversation.repo';
import { openStore } from '../src/store/open-store';
import { enqueueOutbox, type NewOutboxMessage } from '../src/store/outbox.repo';
import { upsertTenant } from '../src/store/tenant.repo';
import { createTeamsConnectorFake } from '../test/fakes/teams-connector';
import { personId } from '../test/support/aup-fixtures';
import { arg } from './bench-school';

const N = arg('notices', 300);
const CONCURRENCY = arg('concurrency', 4);
const LATENCY_MS = arg('latency', 100);
const RATE = arg('rate', 25);
const TENANT = '6f1c2b3a-0000-4000-8000-0000000000b6';
const BOT = '28:jigsaw-bench';

interface RunResult {
  concurrency: number;
  drainMs: number;
  urgentWaitMs: number;
  urgentSentAfter: number;
  throttled: number;
}

async function run(concurrency: number): Promise<RunResult> {
  const owners = Array.from({ length: N }, (_, i) => ({ aadObjectId: personId(i + 1), name: `Owner ${i + 1}` }));
  const reporter = { aadObjectId: personId(0xbeef), name: 'Reporter' };
  const people = [...owners, reporter];
  const fake = await createTeamsConnectorFake({
    tenantId: TENANT,
    botId: BOT,
    users: people.map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: `29:${p.aadObjectId}` })),
    rateLimits: {}, // Teams' documented limits
    latencyMs: LATENCY_MS,
  });
  const schema = process.env.DATABASE_URL ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const db = await openStore({ databaseUrl: process.env.DATABASE_URL, schema });
  try {
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Bench School', timeZone: 'Europe/London' });
    for (const p of people) {
      await savePersonalConversation(db, { tenantId: TENANT, aadObjectId: p.aadObjectId, teamsUserId: `29:${p.aadObjectId}`, conversationId: fake.personalConversationId(p.aadObjectId), serviceUrl: fake.serviceUrl, botId: BOT });
    }
    // A message rendered from its payload alone, so the figures are the outbox's and Teams', not a view's.
    const notice = (to: string, key: string, bulk: boolean): NewOutboxMessage => ({
      tenantId: TENANT,
      idempotencyKey: key,
      kind: OUTBOX_KINDS.reporterNotDelivered,
      targetKey: userTarget(to),
      payload: { reference: 'C-2026-00001', aadObjectId: to },
      bulk,
    });
    for (const [i, owner] of owners.entries()) await enqueueOutbox(db, notice(owner.aadObjectId, `bulk:${i}`, true));
    await enqueueOutbox(db, notice(reporter.aadObjectId, 'urgent', false));

    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const worker = new OutboxWorker(
      { db, concerns: new ConcernRepository(NarrativeCipher.fromConfig(`bench:${randomBytes(32).toString('base64')}`)), gateway: new BotbuilderGateway(createCloudAdapter(config, silentLogger), ''), logger: silentLogger, defaultServiceUrl: fake.serviceUrl, botId: BOT, pacing: createTeamsSendPacing(RATE) },
      { pollMs: 50, alertAfterAttempts: 1000, maxBackoffMs: 30_000, baseBackoffMs: 500, concurrency },
    );
    const t0 = performance.now();
    worker.start();
    const unsent = async () => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status <> 'sent'`))[0]?.n ?? 0);
    while ((await unsent()) > 0) await new Promise((r) => setTimeout(r, 50));
    const drainMs = performance.now() - t0;
    await worker.stop();
    const [urgent] = await db.query<{ wait_ms: number; sent_after: number }>(
      `SELECT extract(epoch FROM (u.sent_at - u.created_at)) * 1000 AS wait_ms,
              (SELECT count(*)::int FROM outbox b WHERE b.sent_at < u.sent_at) AS sent_after
       FROM outbox u WHERE u.idempotency_key = 'urgent'`,
    );
    return { concurrency, drainMs, urgentWaitMs: Number(urgent?.wait_ms ?? NaN), urgentSentAfter: Number(urgent?.sent_after ?? NaN), throttled: fake.counters().throttled };
  } finally {
    if (schema) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
    await fake.stop();
  }
}

async function main(): Promise<void> {
  console.log(`Outbox burst: ${N} bulk notices to ${N} people, then 1 safeguarding message; Teams fake at ${LATENCY_MS} ms latency with its rate limits; shared budget ${RATE} requests/s; store ${process.env.DATABASE_URL ? 'postgres' : 'pglite'}`);
  const baseline = await run(1);
  const current = await run(CONCURRENCY);
  const line = (r: RunResult) =>
    `  concurrency ${String(r.concurrency).padEnd(3)} drained in ${(r.drainMs / 1000).toFixed(1)} s = ${((N + 1) / (r.drainMs / 1000)).toFixed(1)} messages/s; 429s ${r.throttled}; the safeguarding message waited ${r.urgentWaitMs.toFixed(0)} ms (sent after ${r.urgentSentAfter} of the ${N} notices)`;
  console.log(line(baseline));
  console.log(line(current));
  console.log(`  ratio                       ${(baseline.drainMs / current.drainMs).toFixed(2)}× faster than one at a time`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
