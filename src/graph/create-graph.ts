// One call for the composition root: settings in (already validated by config.ts), the wired
// Graph edge out. Tests use the same function against the fake tenant, so test and production
// wiring cannot drift apart; the only difference is `caPem`.
import { createCredentials, type AccessTokenSource, type ClientCertificate } from './credentials';
import { createGraphEdge, interactiveRetryPolicy, type GraphEdge } from './graph-client';
import { createNodeFetch, type FetchLike } from './https-transport';
import { RuBudget, type LicenceBand, type RuBudgetOptions } from './ru-budget';

export interface GraphSettings {
  tenantId: string;
  clientId: string;
  /** Exactly one of clientSecret and certificate. */
  clientSecret?: string;
  certificate?: ClientCertificate;
  /** AUTHORITY_HOST. Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** GRAPH_BASE_URL. Default https://graph.microsoft.com. */
  graphBaseUrl?: string;
  /** The tenant's RU/min; default from `licenceBand` (default 0–1,000 licences: 1,250). */
  ruPerMinute?: number;
  licenceBand?: LicenceBand;
  /** Further budget tuning (window, target share, retries); mostly for tests. */
  budget?: Omit<RuBudgetOptions, 'ruPerMinute' | 'licenceBand'>;
  /**
   * Extra CA (PEM) to trust, for a TLS-intercepting proxy or the local fake tenant. Absent →
   * msal-node and the Graph SDK keep the global fetch (Node's roots + NODE_EXTRA_CA_CERTS).
   */
  caPem?: string;
  userAgent?: string;
  log?: (level: 'error' | 'warn' | 'info' | 'verbose', message: string) => void;
}

export interface GraphConnection {
  /** The patient edge (background work: the audit, the AUP audiences). */
  edge: GraphEdge;
  /**
   * The same app, token cache, RU budget and sockets with a short retry policy, for calls a
   * person waits on (the tab, card actions): an outage reaches them in seconds, not half a minute.
   */
  interactiveEdge: GraphEdge;
  credentials: AccessTokenSource;
  /** The app's budget: shared with every other connection of the same app from the same pool. */
  budget: RuBudget;
  /** Releases keep-alive sockets (call on shutdown). */
  close(): void;
}

/** What one app registration shares in a process: its token cache, its RU budget and its sockets. */
export interface GraphApp {
  credentials: AccessTokenSource;
  budget: RuBudget;
  fetch?: FetchLike;
  close(): void;
}

export function openGraphApp(settings: GraphSettings): GraphApp {
  const transport = settings.caPem ? createNodeFetch({ caPem: settings.caPem }) : undefined;
  const fetchImpl: FetchLike | undefined = transport?.fetch;
  const credentials = createCredentials({
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    certificate: settings.certificate,
    authorityHost: settings.authorityHost,
    graphBaseUrl: settings.graphBaseUrl,
    fetch: fetchImpl,
    log: settings.log,
  });
  const budget = new RuBudget({ ...settings.budget, ruPerMinute: settings.ruPerMinute, licenceBand: settings.licenceBand });
  return { credentials, budget, fetch: fetchImpl, close: () => transport?.close() };
}

/**
 * A connection of its own (new token cache, budget and sockets), or new edges over an app that
 * is already open (a GraphConnectionPool's), whose `close` then releases the app.
 */
export function createGraph(settings: GraphSettings, app: GraphApp = openGraphApp(settings)): GraphConnection {
  const { credentials, budget } = app;
  const edge = createGraphEdge({ credentials, budget, baseUrl: settings.graphBaseUrl, userAgent: settings.userAgent, fetch: app.fetch });
  const interactiveEdge = createGraphEdge({ credentials, budget, baseUrl: settings.graphBaseUrl, userAgent: settings.userAgent, fetch: app.fetch, retry: interactiveRetryPolicy(budget) });
  return { edge, interactiveEdge, credentials, budget, close: () => app.close() };
}
