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
import { TRIAGE_VERBS } from '../src/cards/triage-card';
import { submitConcernReport } from '../src/services/report-concern';
import { applyTriageAction } from '../src/services/triage-concern';
import { channelInvoke } from '../test/support/activities';
import { arg, ratioLine, startBenchSchool } from './bench-school';
import { formatRow, HEADER, runClosedLoop, summarise } from './stats';

const TOTAL = arg('total', 1000);
const CONCURRENCY = arg('concurrency', 10);
const CONCERNS = arg('concerns', 50);

async function main(): Promise<void> {
  // The DSL channel and its roster, as "setup" would leave them.
  const school = await startBenchSchool({ tenantId: '6f1c2b3a-0000-4000-8000-0000000000bf', schemaPrefix: 'bench_triage', env: { OUTBOX_POLL_MS: '20' } });
  const { db, jigsaw, jigsawUrl, ctx, team, channel, teacher, dsl } = school;
  const TENANT = school.tenantId;
  const echo = { url: school.echoUrl };

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
  console.log(ratioLine('triage', triageStats, echoStats));
  console.log(`notes recorded: ${notes.n} (expected ${TOTAL + 50}); transport failures: echo ${failures.get(echo.url) ?? 0}, triage ${failures.get(jigsawUrl) ?? 0}`);

  await school.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
