// The fake Entra ID side: the documents msal-node fetches (instance discovery, OpenID
// configuration, JWKS) and the v2.0 token endpoint for the client-credentials grant, with a client
// secret or a certificate-signed client assertion (RFC 7523) whose signature is checked against
// the registered certificate, as Entra does. Access tokens are RS256 JWTs signed by a key
// published at /discovery/v2.0/keys; the Graph side verifies them with the same key.
import { KeyObject, X509Certificate, constants, createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';

export interface AppRegistration {
  clientId: string;
  displayName?: string;
  /** Accepted client secrets. */
  secrets?: string[];
  /** PEM certificates whose keys may sign client assertions. */
  certificates?: string[];
  /** Application roles granted by admin consent, e.g. Files.Read.All. */
  roles: string[];
}

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp: string;
  oid: string;
  roles: string[];
  iat: number;
  nbf: number;
  exp: number;
}

export interface EntraResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function decodeJson(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function oauthError(status: number, error: string, code: number, description: string): EntraResponse {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    },
  };
}

export class FakeEntra {
  private readonly signingKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private readonly kid: string;
  private readonly apps = new Map<string, AppRegistration>();
  /** Tokens issued, by client id (for tests asserting msal's cache avoided repeat requests). */
  readonly tokensIssued = new Map<string, number>();
  /** Every call of the token endpoint, refused or not. */
  tokenRequests = 0;

  constructor(
    readonly tenantId: string,
    readonly domain: string,
    private readonly baseUrl: () => string,
    /** The Graph resource identifier the tokens are for (the fake's own origin). */
    private readonly resource: () => string,
    private readonly tokenLifetimeSeconds = 3599,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    this.kid = createHash('sha256').update(JSON.stringify(this.publicJwk)).digest('base64url').slice(0, 27);
  }

  registerApp(app: AppRegistration): void {
    this.apps.set(app.clientId, app);
  }

  app(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId);
  }

  /** Accepts the tenant id, the verified domain, or its onmicrosoft name in the authority path. */
  knowsTenant(segment: string): boolean {
    const s = segment.toLowerCase();
    return s === this.tenantId || s === this.domain.toLowerCase() || s === 'organizations';
  }

  instanceDiscovery(authorizationEndpoint: string | null): EntraResponse {
    const host = new URL(this.baseUrl()).host;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: authorizationEndpoint
          ? authorizationEndpoint.replace(/oauth2\/v2\.0\/authorize$/u, 'v2.0/.well-known/openid-configuration')
          : `${this.baseUrl()}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  openIdConfiguration(tenantSegment: string): EntraResponse {
    const base = this.baseUrl();
    const t = tenantSegment;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        // msal-node checks that the issuer's origin matches the authority's.
        issuer: `${base}/${this.tenantId}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${base}/oidc/userinfo`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'roles'],
        tenant_region_scope: 'EU',
        cloud_instance_name: new URL(base).host,
        cloud_graph_host_name: new URL(this.resource()).host,
        msgraph_host: new URL(this.resource()).host,
      },
    };
  }

  keys(): EntraResponse {
    return { status: 200, body: { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: this.publicJwk.n, e: this.publicJwk.e }] } };
  }

  /** POST /{tenant}/oauth2/v2.0/token (application/x-www-form-urlencoded). */
  token(tenantSegment: string, form: URLSearchParams): EntraResponse {
    this.tokenRequests++;
    if (!this.knowsTenant(tenantSegment)) return oauthError(400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found.`);
    if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(clientId);
    if (!app) return oauthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
    const scope = form.get('scope') ?? '';
    const resource = this.resource();
    const scopes = scope.split(' ').filter(Boolean);
    if (scopes.length === 0 || !scopes.some((s) => s === `${resource}/.default` || s === `${resource}//.default`)) {
      return oauthError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (${resource}).`);
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!(app.secrets ?? []).includes(secret)) return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return oauthError(400, 'invalid_request', 50027, 'Invalid client assertion type.');
      const problem = this.checkAssertion(app, assertion, tenantSegment);
      if (problem) return oauthError(401, 'invalid_client', problem.code, problem.message);
    } else {
      return oauthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    this.tokensIssued.set(clientId, (this.tokensIssued.get(clientId) ?? 0) + 1);
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      aud: resource,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      tid: this.tenantId,
      appid: clientId,
      azp: clientId,
      oid: createHash('sha256').update(clientId).digest('hex').slice(0, 32),
      roles: [...app.roles],
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
    };
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: { token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: this.signJwt(claims) },
    };
  }

  private checkAssertion(app: AppRegistration, assertion: string, tenantSegment: string): { code: number; message: string } | undefined {
    const [h, p, s] = assertion.split('.');
    const header = decodeJson(h);
    const payload = decodeJson(p);
    if (!header || !payload || !s) return { code: 50027, message: 'JWT token is invalid or malformed.' };
    const thumb256 = typeof header['x5t#S256'] === 'string' ? Buffer.from(header['x5t#S256'], 'base64url').toString('hex') : undefined;
    const thumb1 = typeof header.x5t === 'string' ? Buffer.from(header.x5t, 'base64url').toString('hex') : undefined;
    const cert = (app.certificates ?? [])
      .map((pem) => new X509Certificate(pem))
      .find((c) => (thumb256 && createHash('sha256').update(c.raw).digest('hex') === thumb256) || (thumb1 && createHash('sha1').update(c.raw).digest('hex') === thumb1));
    if (!cert) return { code: 700027, message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${(thumb256 ?? thumb1 ?? '').toUpperCase()}']` };
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const key = createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    let ok = false;
    if (header.alg === 'RS256') ok = verify('sha256', data, key, signature);
    else if (header.alg === 'PS256') ok = verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    if (!ok) return { code: 700027, message: 'Client assertion failed signature validation.' };
    const now = Math.floor(Date.now() / 1000);
    const tokenEndpoint = `${this.baseUrl()}/${tenantSegment}/oauth2/v2.0/token`;
    const aud = payload.aud;
    if (aud !== tokenEndpoint && aud !== `${this.baseUrl()}/${this.tenantId}/oauth2/v2.0/token`) return { code: 700021, message: `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .` };
    if (payload.iss !== app.clientId || payload.sub !== app.clientId) return { code: 700023, message: 'Client assertion issuer and subject must be the client id.' };
    if (typeof payload.exp !== 'number' || payload.exp < now - 300) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
    if (typeof payload.nbf === 'number' && payload.nbf > now + 300) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
    return undefined;
  }

  private signJwt(claims: AccessTokenClaims): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.signingKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** Verifies an access token presented to Graph; returns its claims or a reason. */
  verifyAccessToken(token: string): AccessTokenClaims | string {
    const [h, p, s] = token.split('.');
    const header = decodeJson(h);
    if (!header || !p || !s || header.kid !== this.kid) return 'Invalid signature or unknown key.';
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), this.signingKey, Buffer.from(s, 'base64url'));
    if (!ok) return 'Invalid signature.';
    const claims = decodeJson(p) as unknown as AccessTokenClaims;
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp < now) return 'Lifetime validation failed, the token is expired.';
    if (claims.aud !== this.resource()) return 'Invalid audience.';
    return claims;
  }
}
