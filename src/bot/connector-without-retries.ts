import type { ConnectorClient, ConnectorFactory } from 'botframework-connector';

/**
 * The name @azure/core-rest-pipeline gives the retry policy every ConnectorClient's pipeline is
 * built with (createPipelineFromOptions; botbuilder 4.23 passes it no retry options). It retries
 * a 429 or 503 after its Retry-After, however long, and a 5xx or network failure three times.
 */
const SDK_RETRY_POLICY = 'defaultRetryPolicy';

/** The part of botbuilder-stdlib's ServiceClientContext (private in its types) that holds the pipeline. */
interface WithPipeline {
  client?: { pipeline?: { removePolicy(options: { name: string }): unknown[] } };
}

/**
 * The connectors the jobs send with (the outbox, the AUP broadcast) answer with Teams' first
 * answer. The SDK's own retry would hold a send inside one call for as long as a 429's
 * Retry-After says (a day, if Teams or something in between says a day), where neither the
 * outbox's capped shared pause nor its claim can see it, and would re-send a post after a 5xx
 * or lost answer without the outbox counting it as a possible repeat. The outbox and the AUP
 * sender retry every failure themselves.
 *
 * `onMissing` is told when the pipeline has no such policy (a botbuilder upgrade renamed it).
 */
export function withoutSdkRetries(factory: ConnectorFactory, onMissing: () => void): ConnectorFactory {
  return {
    async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
      const client = await factory.create(serviceUrl, audience);
      const removed = (client as unknown as WithPipeline).client?.pipeline?.removePolicy({ name: SDK_RETRY_POLICY }) ?? [];
      if (removed.length === 0) onMissing();
      return client;
    },
  };
}
