import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** The demo's stand-in app registration: the tab API is configured to accept tokens for it. */
export const DEMO_TAB_CLIENT_ID = 'd3e0d3e0-0000-4000-8000-00000000d3e0';

export interface DemoIdentityProvider {
  /** TAB_* settings that make the server trust this provider (local mode only). */
  env: Record<string, string>;
  /** A tab link signed in as `who` (the token travels in the URL fragment, never to the server's logs). */
  tabUrl(serverUrl: string, who: { aadObjectId: string; name: string }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * For `npm start` only: lets the demo open the tab in a browser without Teams SSO. An RSA key
 * pair made at start-up, its key set served on 127.0.0.1, tokens shaped like Entra v2 access
 * tokens. The server validates them with its production code; local mode alone accepts an http
 * key set and the #token= fragment (TAB_DEV_TOKENS), and nothing here runs in production.
 */
export async function startDemoIdentityProvider(tenantId: string): Promise<DemoIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'demo-1', alg: 'RS256', use: 'sig' };
  // Separate writeHead/end calls: restify replaces ServerResponse#writeHead process-wide with one that does not return `this`.
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/${tenantId}/discovery/v2.0/keys`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: {
      TAB_AUDIENCE: DEMO_TAB_CLIENT_ID,
      TAB_JWKS_URL: `${base}/{tid}/discovery/v2.0/keys`,
      TAB_ISSUER: `${base}/{tid}/v2.0`,
      TAB_DEV_TOKENS: 'true',
    },
    async tabUrl(serverUrl, who) {
      const token = await new SignJWT({ tid: tenantId, oid: who.aadObjectId, name: who.name, scp: 'access_as_user', ver: '2.0' })
        .setProtectedHeader({ alg: 'RS256', kid: 'demo-1', typ: 'JWT' })
        .setIssuer(`${base}/${tenantId}/v2.0`)
        .setAudience(DEMO_TAB_CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime('12h')
        .sign(privateKey);
      return `${serverUrl}/tab/personal#token=${token}`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
