import type { Config } from '../config';
import { createGraph } from '../graph/create-graph';
import { graphSettingsFromConfig } from './graph-settings';
import { createGraphAppInstaller, createGraphAudienceDirectory, type GraphAppInstaller } from '../graph/aup-directory';
import type { AudienceDirectory } from '../domain/aup/ports';

export interface AupGraph {
  directory: AudienceDirectory;
  /** Present when AUP_TEAMS_APP_ID is set. */
  installer?: GraphAppInstaller;
  close(): void;
}

/** The AUP capability's Graph connection from configuration; undefined when GRAPH_* is not set. */
export function connectAupGraph(config: Config): AupGraph | undefined {
  const g = config.graph;
  if (!g) return undefined;
  const connection = createGraph(graphSettingsFromConfig(g));
  return {
    directory: createGraphAudienceDirectory(connection.edge),
    ...(config.aup.teamsAppId ? { installer: createGraphAppInstaller(connection.edge, config.aup.teamsAppId) } : {}),
    close: () => connection.close(),
  };
}
