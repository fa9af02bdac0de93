/**
 * The intake benchmark's load generator, run as a child process so that building, sending and
 * timing requests does not share the server's event loop (Teams is another machine, after all).
 * Receives one job over IPC, answers with every request's latency.
 */
import { randomUUID } from 'node:crypto';
import { personalInvoke } from '../test/support/activities';
import { createBenchClient } from './http-post';
import { runClosedLoop } from './stats';

export interface LoadJob {
  url: string;
  total: number;
  concurrency: number;
  expectReference: boolean;
  ctx: { serviceUrl: string; tenantId: string; botId: string };
  teacher: { aadObjectId: string; name: string; teamsId: string };
  conversationId: string;
}

export interface LoadResult {
  latencies: number[];
  wallMs: number;
  error?: string;
}

// One client (its keep-alive sockets) per server for the generator's life: the warm-up run opens
// the connections the measured run uses, as Teams' front ends keep theirs open. A fresh client
// per run opened 50 connections in the same millisecond, and the ones the server accepted last
// waited behind everyone else's requests: up to 3 s, in the p99 of every run, on both servers.
const clients = new Map<string, ReturnType<typeof createBenchClient>>();

async function run(job: LoadJob): Promise<LoadResult> {
  let client = clients.get(job.url);
  if (!client) clients.set(job.url, (client = createBenchClient(job.concurrency)));
  const submit = async () => {
    const activity = personalInvoke(job.ctx, job.teacher, job.conversationId, 'report.submit', {
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
    const res = await client.postJson(`${job.url}/api/messages`, activity);
    if (res.status !== 200 || (job.expectReference && !res.text.includes('C-20'))) throw new Error(`unexpected answer ${res.status}: ${res.text.slice(0, 200)}`);
  };
  return runClosedLoop(job.total, job.concurrency, submit);
}

process.on('disconnect', () => {
  for (const client of clients.values()) client.close();
});

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!(result),
    (err: unknown) => process.send!({ latencies: [], wallMs: 0, error: err instanceof Error ? err.message : String(err) } satisfies LoadResult),
  );
});
