// Wires the production Graph edge (src/graph) to a running fake tenant exactly the way the
// composition root wires it to Microsoft (`createGraph`), with AUTHORITY_HOST = GRAPH_BASE_URL =
// fake.url. The only test-specific setting is `caPem`: a jest worker cannot take
// NODE_EXTRA_CA_CERTS after start, so the fake's CA goes to the CA-aware transport that both
// msal-node (networkClient) and the Graph client then use.
import type { ClientCertificate } from '../../../src/graph/credentials';
import { createGraph, type GraphConnection } from '../../../src/graph/create-graph';
import type { RuBudgetOptions } from '../../../src/graph/ru-budget';
import type { FakeGraphTenant } from './server';
import { DEFAULT_APP } from './server';

export interface ConnectOptions {
  clientId?: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  budget?: RuBudgetOptions;
}

export type Connection = GraphConnection;

export function connectToFake(fake: FakeGraphTenant, options: ConnectOptions = {}): Connection {
  const { ruPerMinute, licenceBand, ...tuning } = options.budget ?? {};
  return createGraph({
    tenantId: fake.tenantId,
    clientId: options.clientId ?? DEFAULT_APP.clientId,
    ...(options.certificate ? { certificate: options.certificate } : { clientSecret: options.clientSecret ?? DEFAULT_APP.secrets![0]! }),
    authorityHost: fake.url,
    graphBaseUrl: fake.url,
    caPem: fake.caPem,
    ruPerMinute,
    licenceBand,
    budget: tuning,
  });
}
