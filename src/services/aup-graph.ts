import type { Config } from '../config';
import { createGraph } from '../graph/create-graph';
import type { GraphConnectionPool } from '../graph/graph-connection-pool';
import { graphSettingsFromConfig } from './graph-settings';
import { createGraphAppInstaller, createGraphAudienceDirectory, type GraphAppInstaller } from '../graph/aup-directory';
import type { AudienceDirectory } from '../domain/aup/ports';

export interface AupGraph {
  /** The Entra tenant the groups are read in (GRAPH_TENANT_ID). */
  tenantId: string;
  /** Group membership on the patient edge (the daily audience sync, the CLI). */
  directory: AudienceDirectory;
  /**
   * The same app, token cache and RU budget with the short retry policy, for a publish from the
   * tab: the admin waits on it, so an outage or throttling is answered in seconds.
   */
  interactiveDirectory: AudienceDirectory;
  /** Present when AUP_TEAMS_APP_ID is set. */
  installer?: GraphAppInstaller;
  close(): void;
}

/**
 * The AUP capability's Graph connection from configuration; undefined when GRAPH_* is not set.
 * In the server, `pool` makes it spend from the same RU budget as the sharing audit (same app).
 */
export function connectAupGraph(config: Config, pool?: GraphConnectionPool): AupGraph | undefined {
  const g = config.graph;
  if (!g) return undefined;
  const settings = graphSettingsFromConfig(g);
  const connection = pool ? pool.connect(settings) : createGraph(settings);
  return {
    tenantId: g.tenantId,
    directory: createGraphAudienceDirectory(connection.edge),
    interactiveDirectory: createGraphAudienceDirectory(connection.interactiveEdge),
    ...(config.aup.teamsAppId ? { installer: createGraphAppInstaller(connection.edge, config.aup.teamsAppId) } : {}),
    close: () => connection.close(),
  };
}
