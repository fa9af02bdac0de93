/**
 * The Teams connector fake in its own process, for the request benchmarks: Teams is another
 * machine, so the fake's request handling must not share Jigsaw's event loop (in-process, every
 * channel post the outbox makes was parsed, recorded and answered between Jigsaw's own requests,
 * and counted as Jigsaw's latency). Started with its options over IPC; answers a few queries.
 */
import { createTeamsConnectorFake, type TeamsConnectorFake, type TeamsConnectorFakeOptions } from '../test/fakes/teams-connector';

export type ConnectorRequest =
  | { op: 'start'; options: TeamsConnectorFakeOptions; personalFor: string[] }
  | { op: 'activitiesIn'; conversationId: string }
  | { op: 'stop' };

export type ConnectorReply =
  | { op: 'started'; serviceUrl: string; personalConversationIds: Record<string, string> }
  | { op: 'activitiesIn'; count: number }
  | { op: 'stopped' }
  | { op: 'error'; message: string };

let fake: TeamsConnectorFake | undefined;

async function handle(request: ConnectorRequest): Promise<ConnectorReply> {
  switch (request.op) {
    case 'start':
      fake = await createTeamsConnectorFake(request.options);
      return {
        op: 'started',
        serviceUrl: fake.serviceUrl,
        personalConversationIds: Object.fromEntries(request.personalFor.map((ref) => [ref, fake!.personalConversationId(ref)])),
      };
    case 'activitiesIn':
      return { op: 'activitiesIn', count: fake!.activitiesIn(request.conversationId).length };
    case 'stop':
      await fake?.stop();
      return { op: 'stopped' };
  }
}

process.on('message', (request: ConnectorRequest) => {
  handle(request).then(
    (reply) => {
      process.send!(reply);
      if (reply.op === 'stopped') process.disconnect();
    },
    (err: unknown) => process.send!({ op: 'error', message: err instanceof Error ? err.message : String(err) } satisfies ConnectorReply),
  );
});
