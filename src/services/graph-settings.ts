import { readFileSync } from 'node:fs';
import type { GraphConfig, GraphCredentialConfig } from '../config';
import type { GraphSettings } from '../graph/create-graph';

/** A file named by a setting, or an Error that names the setting and why it could not be read. */
export function readSettingFile(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function clientCredential(credential: GraphCredentialConfig): Pick<GraphSettings, 'clientSecret' | 'certificate'> {
  switch (credential.kind) {
    case 'secret':
      return { clientSecret: credential.secret };
    case 'certificate':
      return { certificate: { privateKeyPem: readSettingFile(credential.keyFile, 'certificate key file'), thumbprintSha256: credential.thumbprintSha256 } };
    case 'certificate-pem':
      // x5c lets Entra accept a renewed certificate by subject name and issuer, when configured.
      return { certificate: { privateKeyPem: credential.certificate.privateKeyPem, thumbprintSha256: credential.certificate.thumbprintSha256, x5cPem: credential.certificate.certificatePem } };
  }
}

/**
 * GraphSettings for one app registration (the read-only audit app by default): one conversion
 * from configuration for every Graph user (sharing audit, remediation, AUP audiences).
 */
export function graphSettingsFromConfig(graph: GraphConfig, app: { clientId: string; credential: GraphCredentialConfig } = graph): GraphSettings {
  return {
    tenantId: graph.tenantId,
    clientId: app.clientId,
    ...clientCredential(app.credential),
    authorityHost: graph.authorityHost,
    graphBaseUrl: graph.baseUrl,
    ruPerMinute: graph.ruPerMinute,
    licenceBand: graph.licenceBand,
    caPem: graph.extraCaFile ? readSettingFile(graph.extraCaFile, 'GRAPH_EXTRA_CA_FILE') : undefined,
  };
}
