// Token acquisition through msal-node's real code against the fake Entra: client secret,
// certificate client assertion (signature checked by the fake), failures, msal's token cache,
// and the production default transport (global fetch) trusting the fake via NODE_EXTRA_CA_CERTS.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createAppCertificate, DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { connectToFake } from '../fakes/graph-tenant/connect';
import { createCredentials } from '../../src/graph/credentials';
import { createNodeFetch } from '../../src/graph/https-transport';
import { createGraph } from '../../src/graph/create-graph';
import { loadConfig } from '../../src/config';
import { graphSettingsFromConfig } from '../../src/services/graph-settings';
import { fakeGraphEnv } from '../support/graph-env';

const CERT_APP_ID = '0b7e2d4c-1111-4c2a-9d3e-5f6a7b8c9d0e';

describe('Graph credentials against the fake Entra', () => {
  let fake: FakeGraphTenant;
  const appCert = createAppCertificate();
  const otherCert = createAppCertificate('CN=not-registered');

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { items: 100, staff: 2, pupils: 3 },
      apps: [DEFAULT_APP, { clientId: CERT_APP_ID, certificates: [appCert.certPem], roles: ['User.Read.All', 'Files.Read.All'] }],
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('acquires an app token with a client secret and calls Graph with it', async () => {
    const c = connectToFake(fake);
    try {
      const users = await c.edge.client.api('/users').top(2).get();
      expect(users.value).toHaveLength(2);
      expect(fake.entra.tokensIssued.get(DEFAULT_APP.clientId)).toBeGreaterThanOrEqual(1);
    } finally {
      c.close();
    }
  });

  it('acquires an app token with a certificate: msal signs the assertion, the fake verifies it', async () => {
    const c = connectToFake(fake, { clientId: CERT_APP_ID, certificate: { privateKeyPem: appCert.privateKeyPem, thumbprintSha256: appCert.thumbprintSha256 } });
    try {
      const token = await c.credentials.getAccessToken();
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      expect(claims).toMatchObject({ appid: CERT_APP_ID, tid: fake.tenantId, roles: ['User.Read.All', 'Files.Read.All'], aud: fake.url });
      const drive = await c.edge.client.api(`/drives/${fake.tenant.drives[0]!.id}`).get();
      expect(drive.id).toBe(fake.tenant.drives[0]!.id);
    } finally {
      c.close();
    }
  });

  it('signs in with GRAPH_CERT_PEM as Key Vault returns it (key and certificate in one PEM; thumbprint read from the certificate)', async () => {
    const env = { ...fakeGraphEnv(fake), GRAPH_CLIENT_ID: CERT_APP_ID, GRAPH_CLIENT_SECRET: '' };
    // Key Vault's PEM secret: the key, then the certificate. The second form is the same text
    // after a portal or shell turned its line breaks into spaces.
    const keyVaultPem = `${appCert.privateKeyPem}${appCert.certPem}`;
    for (const pem of [keyVaultPem, keyVaultPem.replace(/\n/g, ' ')]) {
      const config = loadConfig({ ...env, GRAPH_CERT_PEM: pem });
      expect(config.graph?.credential).toMatchObject({ kind: 'certificate-pem', certificate: { thumbprintSha256: appCert.thumbprintSha256 } });
      const connection = createGraph(graphSettingsFromConfig(config.graph!));
      try {
        const drive = await connection.edge.client.api(`/drives/${fake.tenant.drives[0]!.id}`).get();
        expect(drive.id).toBe(fake.tenant.drives[0]!.id);
      } finally {
        connection.close();
      }
    }
    // Another certificate in the same setting is refused by Entra, not silently accepted, and
    // the refusal is final: one token request, no retries as if the network had failed.
    const wrong = loadConfig({ ...env, GRAPH_CERT_PEM: `${otherCert.privateKeyPem}${otherCert.certPem}` });
    const refused = createGraph(graphSettingsFromConfig(wrong.graph!));
    const tokenRequestsBefore = fake.entra.tokenRequests;
    try {
      await expect(refused.edge.client.api('/users').top(1).get()).rejects.toThrow(/AADSTS700027/u);
      expect(fake.entra.tokenRequests - tokenRequestsBefore).toBe(1);
    } finally {
      refused.close();
    }
  });

  it('is refused with a certificate that is not registered (signature or thumbprint mismatch)', async () => {
    const c = connectToFake(fake, { clientId: CERT_APP_ID, certificate: { privateKeyPem: otherCert.privateKeyPem, thumbprintSha256: otherCert.thumbprintSha256 } });
    // Registered thumbprint, wrong key: the signature check must fail.
    const forged = connectToFake(fake, { clientId: CERT_APP_ID, certificate: { privateKeyPem: otherCert.privateKeyPem, thumbprintSha256: appCert.thumbprintSha256 } });
    try {
      await expect(c.credentials.getAccessToken()).rejects.toThrow(/AADSTS700027/u);
      await expect(forged.credentials.getAccessToken()).rejects.toThrow(/signature validation/u);
    } finally {
      c.close();
      forged.close();
    }
  });

  it('is refused with a wrong secret', async () => {
    const c = connectToFake(fake, { clientSecret: 'wrong' });
    try {
      await expect(c.credentials.getAccessToken()).rejects.toThrow(/AADSTS7000215/u);
    } finally {
      c.close();
    }
  });

  it("serves repeat requests from msal's token cache", async () => {
    const appId = 'aaaaaaaa-2222-4c2a-9d3e-5f6a7b8c9d0e';
    fake.registerApp({ clientId: appId, secrets: ['x'], roles: ['User.Read.All'] });
    const c = connectToFake(fake, { clientId: appId, clientSecret: 'x' });
    try {
      for (let i = 0; i < 5; i++) await c.credentials.getAccessToken();
      expect(c.credentials.acquisitions).toBe(5);
      expect(fake.entra.tokensIssued.get(appId)).toBe(1);
    } finally {
      c.close();
    }
  });

  it('rejects an http authority (msal-node needs https)', () => {
    expect(() => createCredentials({ tenantId: fake.tenantId, clientId: 'x', clientSecret: 'y', authorityHost: 'http://127.0.0.1:1' })).toThrow(/https/u);
  });

  it('Graph rejects requests without a valid token', async () => {
    const t = createNodeFetch({ caPem: fake.caPem });
    try {
      const r = await t.fetch(`${fake.url}/v1.0/users`, { headers: { Authorization: 'Bearer not.a.token' } });
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe('InvalidAuthenticationToken');
    } finally {
      t.close();
    }
  });

  it('production transport (global fetch in msal-node and the Graph SDK) trusts the fake through NODE_EXTRA_CA_CERTS', async () => {
    // A child process: NODE_EXTRA_CA_CERTS is read at start, so the jest worker cannot use it.
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-graph-child-'));
    const script = join(dir, 'child.ts');
    const src = resolve(__dirname, '../../src/graph');
    writeFileSync(script, `
      import { createCredentials } from ${JSON.stringify(join(src, 'credentials'))};
      import { createGraphEdge } from ${JSON.stringify(join(src, 'graph-client'))};
      import { RuBudget } from ${JSON.stringify(join(src, 'ru-budget'))};
      (async () => {
        const credentials = createCredentials({ tenantId: ${JSON.stringify(fake.tenantId)}, clientId: ${JSON.stringify(DEFAULT_APP.clientId)}, clientSecret: 's3cret', authorityHost: ${JSON.stringify(fake.url)}, graphBaseUrl: ${JSON.stringify(fake.url)} });
        const edge = createGraphEdge({ credentials, budget: new RuBudget(), baseUrl: ${JSON.stringify(fake.url)} });
        const users = await edge.client.api('/users').top(3).get();
        process.stdout.write(JSON.stringify({ users: users.value.length }));
      })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
    `);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        cwd: resolve(__dirname, '../..'),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: fake.caFile, NODE_OPTIONS: '' },
        timeout: 30_000,
      });
      expect(JSON.parse(stdout)).toEqual({ users: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
