import { DEFAULT_APP, type FakeGraphTenant } from '../fakes/graph-tenant';

/**
 * The settings that point Jigsaw's real msal-node and Graph client at the fake tenant (its
 * authority, Graph base URL and self-signed CA), signed in as `app` (the read-only audit app by
 * default) with a generous RU budget so tests are paced by nothing but the code.
 */
export function fakeGraphEnv(graph: FakeGraphTenant, app: { clientId: string; secret: string } = { clientId: DEFAULT_APP.clientId, secret: DEFAULT_APP.secrets![0]! }): Record<string, string> {
  return {
    GRAPH_TENANT_ID: graph.tenantId,
    GRAPH_CLIENT_ID: app.clientId,
    GRAPH_CLIENT_SECRET: app.secret,
    AUTHORITY_HOST: graph.url,
    GRAPH_BASE_URL: `${graph.url}/v1.0`,
    GRAPH_EXTRA_CA_FILE: graph.caFile,
    GRAPH_RU_PER_MINUTE: '100000',
  };
}
