import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/**
 * A stand-in for Entra ID in tests: an RSA key pair made at test time, its JWKS served on
 * 127.0.0.1 at Entra's path shape (/{tid}/discovery/v2.0/keys), and access tokens minted like
 * Teams SSO's (v2: iss …/{tid}/v2.0, aud = the app, scp access_as_user). The server under test
 * is configured to trust it through TAB_JWKS_URL / TAB_ISSUER; its validation code is the
 * production code.
 */
export interface TestIdentityProvider {
  url: string;
  /** Settings for the server under test. */
  env: Record<string, string>;
  audience: string;
  clientId: string;
  mint(who: { aadObjectId: string; name: string }, options?: MintOptions): Promise<string>;
  /** A token signed by a key the JWKS does not publish (same kid): a forgery. */
  forge(who: { aadObjectId: string; name: string }, options?: MintOptions): Promise<string>;
  /** How many times the key set was fetched (the server must not fetch it for a tenant it does not serve). */
  jwksRequests(): number;
  stop(): Promise<void>;
}

export interface MintOptions {
  tenantId?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  scp?: string;
  claims?: Record<string, unknown>;
}

export const TEST_CLIENT_ID = '0c8c3f8e-6a5b-4c4d-9e1f-2a3b4c5d6e7f';

export async function startTestIdentityProvider(defaultTenantId: string): Promise<TestIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const forger = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  let fetched = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && /^\/[0-9a-f-]{36}\/discovery\/v2\.0\/keys$/.test(req.url ?? '')) {
      fetched += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    // Separate calls: restify replaces ServerResponse#writeHead process-wide (it does not return `this`).
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = `api://127.0.0.1/${TEST_CLIENT_ID}`;

  const sign = async (key: KeyLike, who: { aadObjectId: string; name: string }, o: MintOptions = {}) => {
    const tid = o.tenantId ?? defaultTenantId;
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresIn ?? 3600);
    return new SignJWT({ tid, oid: who.aadObjectId, name: who.name, scp: o.scp ?? 'access_as_user', ver: '2.0', ...o.claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? `${url}/${tid}/v2.0`)
      .setAudience(o.audience ?? TEST_CLIENT_ID)
      .setSubject(`sub-${who.aadObjectId}`)
      .setIssuedAt(Math.min(now, exp - 60))
      .setNotBefore(Math.min(now, exp - 60))
      .setExpirationTime(exp)
      .sign(key);
  };

  return {
    url,
    audience,
    clientId: TEST_CLIENT_ID,
    env: { TAB_AUDIENCE: `${audience},${TEST_CLIENT_ID}`, TAB_JWKS_URL: `${url}/{tid}/discovery/v2.0/keys`, TAB_ISSUER: `${url}/{tid}/v2.0` },
    mint: (who, o) => sign(privateKey, who, o),
    forge: (who, o) => sign(forger.privateKey, who, o),
    jwksRequests: () => fetched,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
