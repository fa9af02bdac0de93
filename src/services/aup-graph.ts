import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { createGraph } from '../graph/create-graph';
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
  const read = (file: string, setting: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const connection = createGraph({
    tenantId: g.tenantId,
    clientId: g.clientId,
    ...(g.credential.kind === 'secret'
      ? { clientSecret: g.credential.secret }
      : { certificate: { privateKeyPem: read(g.credential.keyFile, 'GRAPH_CERT_KEY_FILE'), thumbprintSha256: g.credential.thumbprintSha256 } }),
    authorityHost: g.authorityHost,
    graphBaseUrl: g.baseUrl,
    ruPerMinute: g.ruPerMinute,
    licenceBand: g.licenceBand,
    caPem: g.extraCaFile ? read(g.extraCaFile, 'GRAPH_EXTRA_CA_FILE') : undefined,
  });
  return {
    directory: createGraphAudienceDirectory(connection.edge),
    ...(config.aup.teamsAppId ? { installer: createGraphAppInstaller(connection.edge, config.aup.teamsAppId) } : {}),
    close: () => connection.close(),
  };
}
