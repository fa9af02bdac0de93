/**
 * npx tsx bench/broadcast.ts — the AUP broadcast against the Teams connector fake with Teams'
 * rate limits on (7/s per conversation, 30 requests/s per app per tenant, 429 + Retry-After).
 * Publishes one version to N people, kills the sender abruptly half-way (no more store writes,
 * calls under way are abandoned), starts a new sender on the same store, and reports:
 * sends/s achieved against the configured rate, 429s, duplicates (must be 0), people left
 * without a card, and how long the restarted sender took to resume and to finish.
 *   options: --recipients N (default 5000)  --rate R (default 25)  --concurrency C (default 8)
 *            --known F (share of people who already have a chat with the bot, default 0.8)
 *   DATABASE_URL → PostgreSQL (a throwaway schema), otherwise in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createCloudAdapter } from '../src/bot/adapter';
import { BotbuilderGateway } from '../src/bot/botbuilder-gateway';
import { silentLogger } from '../src/logging';
import { openStore } from '../src/store/open-store';
import { savePersonalConversation } from '../src/store/conversation.repo';
import { upsertTenant, assignRole } from '../src/store/tenant.repo';
import { countAupSends, replaceAudienceMembers } from '../src/store/aup.repo';
import { publishAupVersion } from '../src/services/aup-publish';
import { AupSender } from '../src/jobs/aup-sender';
import { DEFAULT_AUP_RULES } from '../src/domain/aup/status';
import { createTeamsConnectorFake } from '../test/fakes/teams-connector';
import { personId, STAFF_DRAFT } from '../test/support/aup-fixtures';
import { arg } from './bench-school';

const N = arg('recipients', 5000);
const RATE = arg('rate', 25);
const CONCURRENCY = arg('concurrency', 8);
const KNOWN = arg('known', 0.8);
const TENANT = '6f1c2b3a-0000-4000-8000-0000000000b5';
const BOT = '28:jigsaw-bench';
const ADMIN = personId(0xadadad);

async function main(): Promise<void> {
  const people = Array.from({ length: N }, (_, i) => ({ aadObjectId: personId(i + 1), name: `Person ${i + 1}` }));
  const fake = await createTeamsConnectorFake({
    tenantId: TENANT,
    botId: BOT,
    users: [...people, { aadObjectId: ADMIN, name: 'Admin' }].map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: `29:${p.aadObjectId}` })),
    rateLimits: {}, // Teams' documented limits
  });
  const schema = process.env.DATABASE_URL ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const db = await openStore({ databaseUrl: process.env.DATABASE_URL, schema });
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const gateway = new BotbuilderGateway(createCloudAdapter(config, silentLogger), '');
  await upsertTenant(db, { tenantId: TENANT, schoolName: 'Bench School', timeZone: 'Europe/London' });
  await assignRole(db, TENANT, 'admin', ADMIN);
  // Most staff have opened the app before (a stored chat: one request per card); the rest need a new chat (two).
  const known = Math.round(N * KNOWN);
  for (const p of [...people.slice(0, known), { aadObjectId: ADMIN, name: 'Admin' }]) {
    await savePersonalConversation(db, { tenantId: TENANT, aadObjectId: p.aadObjectId, teamsUserId: `29:${p.aadObjectId}`, conversationId: fake.personalConversationId(p.aadObjectId), serviceUrl: fake.serviceUrl, botId: BOT });
  }
  await replaceAudienceMembers(db, TENANT, 'staff', people.map((p) => ({ personId: p.aadObjectId, aadObjectId: p.aadObjectId, displayName: p.name })), 'group', new Date());
  const { version } = await publishAupVersion({ db, now: () => new Date() }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
  const requestsPerCard = (known + 2 * (N - known)) / N;
  const newSender = () =>
    new AupSender(
      { db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: fake.serviceUrl, botId: BOT },
      { sendsPerSecond: RATE, perConversationPerSecond: 7, concurrency: CONCURRENCY, maxAttempts: 10, pollMs: 50, baseBackoffMs: 500, maxBackoffMs: 30_000 },
    );
  const sentCount = async () => (await countAupSends(db, TENANT, version.versionId)).sent;

  console.log(`AUP broadcast: ${N} recipients (${known} with a chat, ${N - known} new), configured ${RATE} requests/s (≈ ${(RATE / requestsPerCard).toFixed(1)} cards/s), concurrency ${CONCURRENCY}, store ${db.kind}`);
  const t0 = performance.now();
  const first = newSender();
  first.start();
  while ((await sentCount()) < N / 2) await new Promise((r) => setTimeout(r, 100));
  first.kill();
  const killedAt = performance.now();
  const sentBeforeKill = await sentCount();
  const requestsBeforeKill = fake.requests.length;
  // Let the abandoned calls land at Teams (they were sent; the dead sender never records them).
  await new Promise((r) => setTimeout(r, 1500));

  const restartT0 = performance.now();
  const second = newSender();
  second.start();
  while ((await sentCount()) <= sentBeforeKill) await new Promise((r) => setTimeout(r, 5));
  const resumedMs = performance.now() - restartT0;
  await second.idle(3_600_000);
  const doneMs = performance.now() - restartT0;
  await second.stop();
  const totalMs = performance.now() - t0;

  const counts = await countAupSends(db, TENANT, version.versionId);
  const cardsPerPerson = new Map<string, number>();
  const recipientChats = new Set(people.map((p) => fake.personalConversationId(p.aadObjectId)));
  for (const op of fake.allSent()) {
    if (op.kind === 'update' || !recipientChats.has(op.conversationId) || !JSON.stringify(op.body ?? '').includes(STAFF_DRAFT.title)) continue;
    cardsPerPerson.set(op.conversationId, (cardsPerPerson.get(op.conversationId) ?? 0) + 1);
  }
  const duplicates = [...cardsPerPerson.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const reached = cardsPerPerson.size;
  const c = fake.counters();
  const writes = fake.requests.filter((r) => r.status >= 200 && r.status < 300 && r.operation !== 'getConversationPagedMembers').length;
  const activeSeconds = (killedAt - t0 + (performance.now() - restartT0)) / 1000;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`
  cards delivered          ${counts.sent} sent + ${counts.uncertain} uncertain (in flight at the kill) of ${N}; people with a card: ${reached}
  duplicates               ${duplicates}   (must be 0)
  people without a card    ${N - reached}
  achieved                 ${(writes / activeSeconds).toFixed(1)} requests/s, ${(reached / activeSeconds).toFixed(1)} cards/s (configured ${RATE} requests/s); wall ${fmt(totalMs)}
  429s from Teams (fake)   ${c.throttled} ${JSON.stringify(Object.fromEntries([...new Set(fake.requests.filter((r) => r.status === 429).map((r) => r.limit ?? r.outcome))].map((k) => [k, fake.requests.filter((r) => r.status === 429 && (r.limit ?? r.outcome) === k).length])))}   (seen by the sender after botbuilder's own retries: ${first.stats.throttled + second.stats.throttled}; pauses ${first.stats.pauses + second.stats.pauses})
  kill at                  ${sentBeforeKill} sent, ${requestsBeforeKill} requests, ${fmt(killedAt - t0)} in
  restart                  first new card ${resumedMs.toFixed(0)} ms after start; finished the remaining ${N - sentBeforeKill} in ${fmt(doneMs)} (${second.stats.uncertainOnStart} rows marked uncertain)
  failed / retried         ${counts.failed} / ${first.stats.retried + second.stats.retried}`);
  if (process.env.BENCH_DEBUG) {
    const base = fake.requests[0]?.at.getTime() ?? 0;
    console.log(fake.requests.filter((r) => r.status === 429).map((r) => `${r.at.getTime() - base}ms ${r.operation} ${r.limit}`).join('\n'));
  }
  if (schema) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
  await fake.stop();
  if (duplicates > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
