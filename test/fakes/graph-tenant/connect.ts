// Wires the production Graph edge (src/graph) to a running fake tenant the way the composition
// root wires it to Microsoft: AUTHORITY_HOST = GRAPH_BASE_URL = fake.url. The only test-specific
// piece is the CA: a jest worker cannot take NODE_EXTRA_CA_CERTS after start, so the fake's CA
// goes to the CA-aware transport that both msal-node (networkClient) and the Graph client use.
import { createCredentials, type AccessTokenSource, type ClientCertificate } from '../../../src/graph/credentials';
import { createGraphEdge, type GraphEdge } from '../../../src/graph/graph-client';
import { createNodeFetch } from '../../../src/graph/https-transport';
import { RuBudget, type RuBudgetOptions } from '../../../src/graph/ru-budget';
import type { FakeGraphTenant } from './server';
import { DEFAULT_APP } from './server';

export interface ConnectOptions {
  clientId?: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  budget?: RuBudgetOptions | RuBudget;
}

export interface Connection {
  edge: GraphEdge;
  credentials: AccessTokenSource;
  budget: RuBudget;
  close(): void;
}

export function connectToFake(fake: FakeGraphTenant, options: ConnectOptions = {}): Connection {
  const transport = createNodeFetch({ caPem: fake.caPem });
  const credentials = createCredentials({
    tenantId: fake.tenantId,
    clientId: options.clientId ?? DEFAULT_APP.clientId,
    ...(options.certificate ? { certificate: options.certificate } : { clientSecret: options.clientSecret ?? DEFAULT_APP.secrets![0]! }),
    authorityHost: fake.url,
    graphBaseUrl: fake.url,
    fetch: transport.fetch,
  });
  const budget = options.budget instanceof RuBudget ? options.budget : new RuBudget(options.budget ?? {});
  const edge = createGraphEdge({ credentials, budget, baseUrl: fake.url, fetch: transport.fetch });
  return { edge, credentials, budget, close: () => transport.close() };
}
