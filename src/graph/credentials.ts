// App-only credentials for Graph through msal-node's ConfidentialClientApplication (client
// credentials grant), with a client secret or a certificate (msal signs the client assertion).
//
// National clouds and the local fake tenant differ only by configuration: the authority is
// `${authorityHost}/${tenantId}` and, for a host msal does not know as a Microsoft cloud, the host
// goes into `knownAuthorities` so msal trusts the host's own OpenID configuration instead of
// asking login.microsoftonline.com for instance discovery. msal requires https authorities.
import { ConfidentialClientApplication, type Configuration, LogLevel, ServerError } from '@azure/msal-node';
import { FetchNetworkClient, type FetchLike } from './https-transport';

export interface ClientCertificate {
  /** PEM private key (-----BEGIN PRIVATE KEY----- …). */
  privateKeyPem: string;
  /** Hex SHA-256 thumbprint of the registered certificate (msal then signs with PS256). */
  thumbprintSha256: string;
  /** Optional PEM certificate chain sent as x5c (subject-name/issuer auth). */
  x5cPem?: string;
}

export interface CredentialsOptions {
  tenantId: string;
  clientId: string;
  /** e.g. https://login.microsoftonline.com (default), https://login.microsoftonline.us, or the fake's URL. */
  authorityHost?: string;
  /** Exactly one of clientSecret and certificate. */
  clientSecret?: string;
  certificate?: ClientCertificate;
  /** Graph base URL; the token scope is `${graphBaseUrl}/.default`. Default https://graph.microsoft.com. */
  graphBaseUrl?: string;
  /** Transport for msal's HTTP calls; absent → msal-node's own HttpClient (global fetch). */
  fetch?: FetchLike;
  /** Receives msal log lines (never PII: piiLoggingEnabled stays false). */
  log?: (level: 'error' | 'warn' | 'info' | 'verbose', message: string) => void;
}

/** Something that yields a bearer token for Graph; msal caches and renews it. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** How many times a token was requested from msal (cache hits included). */
  readonly acquisitions: number;
}

const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
]);

export function createMsalConfiguration(options: CredentialsOptions): Configuration {
  const authorityHost = (options.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/u, '');
  const url = new URL(authorityHost);
  if (url.protocol !== 'https:') throw new Error('authorityHost must be an https URL (msal-node refuses http authorities)');
  if (!options.clientSecret === !options.certificate) throw new Error('configure exactly one of clientSecret and certificate');
  const known = MICROSOFT_AUTHORITY_HOSTS.has(url.hostname) ? [] : [url.host];
  const levels = { [LogLevel.Error]: 'error', [LogLevel.Warning]: 'warn', [LogLevel.Info]: 'info', [LogLevel.Verbose]: 'verbose', [LogLevel.Trace]: 'verbose' } as const;
  return {
    auth: {
      clientId: options.clientId,
      authority: `${authorityHost}/${options.tenantId}`,
      knownAuthorities: known,
      ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
      ...(options.certificate
        ? { clientCertificate: { thumbprintSha256: options.certificate.thumbprintSha256, privateKey: options.certificate.privateKeyPem, ...(options.certificate.x5cPem ? { x5c: options.certificate.x5cPem } : {}) } }
        : {}),
    },
    system: {
      ...(options.fetch ? { networkClient: new FetchNetworkClient(options.fetch) } : {}),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => options.log?.(levels[level] ?? 'info', message),
      },
    },
  };
}

// OAuth errors that say the app's credential or grant is wrong: asking again cannot succeed.
const PERMANENT_OAUTH_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_grant', 'invalid_scope', 'unsupported_grant_type']);

/**
 * Entra refused the app's credential (wrong secret, unregistered or expired certificate, no
 * consent): callers must not retry it as if the network had failed.
 */
export class CredentialsRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsRefused';
  }
}

/** Creates the app's token source. No network I/O until the first getAccessToken(). */
export function createCredentials(options: CredentialsOptions): AccessTokenSource {
  const app = new ConfidentialClientApplication(createMsalConfiguration(options));
  const scope = `${(options.graphBaseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/u, '')}/.default`;
  let acquisitions = 0;
  return {
    get acquisitions() {
      return acquisitions;
    },
    async getAccessToken() {
      acquisitions++;
      // msal-node keeps app tokens in its in-memory cache and renews them near expiry.
      let result;
      try {
        result = await app.acquireTokenByClientCredential({ scopes: [scope] });
      } catch (err) {
        if (err instanceof ServerError && PERMANENT_OAUTH_ERRORS.has(err.errorCode)) throw new CredentialsRefused(err.message);
        throw err;
      }
      if (!result?.accessToken) throw new Error('msal-node returned no access token');
      return result.accessToken;
    },
  };
}
