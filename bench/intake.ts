/**
 * npm run bench:intake — concern submissions through the real HTTP endpoint (restify +
 * CloudAdapter + validation + one transaction + outbox) against the Teams connector fake,
 * compared with a bare echo bot on the same adapter in the same process.
 * The load generator is a child process with its own keep-alive connections.
 *   options: --total N (default 2000)  --concurrency C (default 50)  (DATABASE_URL → PostgreSQL)
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { arg, ratioLine, startBenchSchool } from './bench-school';
import { formatRow, HEADER, summarise } from './stats';
import type { LoadJob, LoadResult } from './load-generator';

const TOTAL = arg('total', 2000);
const CONCURRENCY = arg('concurrency', 50);

async function main(): Promise<void> {
  // A configured school: the DSL channel is registered, so every concern is really delivered
  // (the outbox posts its card to the fake connector), as in production.
  const school = await startBenchSchool({ tenantId: '6f1c2b3a-0000-4000-8000-0000000000be', schemaPrefix: 'bench' });
  const { fake, db, jigsawUrl, ctx, teacher, channel } = school;
  const echo = { url: school.echoUrl };
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
  const channelCards = await fake.countActivitiesIn(channel.id);
  const pending = await db.query<{ kind: string; status: string; n: number }>("SELECT kind, status || ' (' || coalesce(last_error, 'no error') || ')' AS status, count(*)::int AS n FROM outbox WHERE status <> 'sent' GROUP BY 1, 2");
  const outboxKinds = await db.query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM outbox GROUP BY 1 ORDER BY 1");
  console.log(`bench:intake — ${TOTAL} submissions, ${CONCURRENCY} concurrent, store: ${db.kind}, node ${process.version}`);
  console.log(HEADER);
  console.log(formatRow('echo bot (same adapter)', echoStats));
  console.log(formatRow('report.submit (Jigsaw)', intakeStats));
  console.log(ratioLine('intake', intakeStats, echoStats));
  console.log(`concerns stored: ${stored[0].n} (expected ${TOTAL + 200}); cards in the DSL channel: ${channelCards}; outbox drained ${(performance.now() - drainStarted).toFixed(0)} ms after the last receipt (${undelivered} undelivered)`);
  console.log(`outbox: ${outboxKinds.map((k) => `${k.kind} ${k.n}`).join(', ')}${pending.length ? `; not sent: ${pending.map((p) => `${p.kind}/${p.status} ${p.n}`).join(', ')}` : ''}`);
  console.log('targets: p95 < 50 ms, ≤ 3× echo');

  generator.kill();
  await school.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
