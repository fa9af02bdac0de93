import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { loadConfig } from '../../src/config';
import { createJigsaw, type Jigsaw } from '../../src/app';
import { silentLogger } from '../../src/logging';
import { personalInvoke, personalMessage } from '../support/activities';
import { PEOPLE, SCHOOL, TEST_ENCRYPTION_KEYS } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';

/**
 * Production mode against a local OpenID/JWKS server, so real botbuilder JWT validation runs
 * end to end: a token signed by the published key is accepted (the control), anything else is
 * refused with 401 — never a 5xx (Teams retries those) and never a hang.
 *
 * TLS trust: botbuilder fetches the metadata with node-fetch and no agent, i.e. through
 * `https.globalAgent`. NODE_EXTRA_CA_CERTS is only read at process start, so in this (jest)
 * process the self-signed certificate is added to `https.globalAgent.options.ca` instead, and
 * removed afterwards. A deployed service never needs either: it uses Microsoft's metadata URL.
 */
const BOT_ID = '00000000-1111-4222-8333-444444444444';
const ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'http://127.0.0.1:9/never-called';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64url({ alg: 'RS256', typ: 'JWT', kid });
  const body = b64url(claims);
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `${head}.${body}.${signature}`;
}

describe(`security: inbound authentication (${storeKind()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-oidc-'));
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let metadataServer: https.Server;
  let metadataRequests = 0;
  let app: Jigsaw;
  let url: string;
  let port: number;
  let previousCa: unknown;

  const validClaims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: BOT_ID, serviceurl: SERVICE_URL, nbf: now - 60, iat: now - 60, exp: now + 3600 };
  };

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const jwk = published.publicKey.export({ format: 'jwk' });
    metadataServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      metadataRequests++;
      const origin = `https://127.0.0.1:${(metadataServer.address() as net.AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/openid') res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${origin}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      else if (req.url === '/keys') res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: 'published', n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = [cert];

    const config = loadConfig({
      BOT_ID,
      BOT_PASSWORD: 'not-a-real-secret',
      BOT_TENANT_ID: SCHOOL.tenantId,
      BOT_OPENID_METADATA_URL: `https://127.0.0.1:${(metadataServer.address() as net.AddressInfo).port}/openid`,
      ALLOWED_TENANT_IDS: SCHOOL.tenantId,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      BOOTSTRAP_TENANT_ID: SCHOOL.tenantId,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    app = await createJigsaw(config, { logger: silentLogger, db: await createTestDb(), runWorker: false });
    const server = await app.start();
    url = server.url;
    port = server.port;
  });
  afterAll(async () => {
    await app.stop();
    await app.db.close();
    await new Promise<void>((resolve) => metadataServer.close(() => resolve()));
    https.globalAgent.options.ca = previousCa as never;
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = { serviceUrl: SERVICE_URL, tenantId: SCHOOL.tenantId, botId: `28:${BOT_ID}` };
  const chooseCategory = () => personalInvoke(ctx, PEOPLE.teacher, 'a:1conv', REPORT_VERBS.chooseCategory, { category: 'online-bullying', about: 'pupil' });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  };

  it('accepts a token signed by the published key (control: the local metadata server is really used)', async () => {
    const res = await post(chooseCategory(), { authorization: `Bearer ${signJwt(published.privateKey, 'published', validClaims())}` });
    expect({ status: res.status, text: res.status === 200 ? 'ok' : res.text }).toEqual({ status: 200, text: 'ok' });
    expect(res.text).toContain('application/vnd.microsoft.card.adaptive');
    expect(metadataRequests).toBeGreaterThanOrEqual(2);
  });

  it.each<[string, () => Record<string, string>]>([
    ['no Authorization header', () => ({})],
    ['an empty bearer', () => ({ authorization: 'Bearer ' })],
    ['garbage', () => ({ authorization: 'Bearer not-a-jwt' })],
    ['three empty segments', () => ({ authorization: 'Bearer ..' })],
    ['a header that is not JSON', () => ({ authorization: `Bearer ${b64url('{{{')}.${b64url(validClaims())}.abc` })],
    ['alg none', () => ({ authorization: `Bearer ${b64url({ alg: 'none', kid: 'published' })}.${b64url(validClaims())}.` })],
    ['HS256 with the public key as secret', () => ({ authorization: `Bearer ${b64url({ alg: 'HS256', kid: 'published' })}.${b64url(validClaims())}.c2lnbmF0dXJl` })],
    ['a well-formed token signed by an unknown key (unknown kid)', () => ({ authorization: `Bearer ${signJwt(stranger.privateKey, 'stranger', validClaims())}` })],
    ['a well-formed token signed by an unknown key (published kid)', () => ({ authorization: `Bearer ${signJwt(stranger.privateKey, 'published', validClaims())}` })],
    ['the right key but another bot as audience', () => ({ authorization: `Bearer ${signJwt(published.privateKey, 'published', { ...validClaims(), aud: 'another-bot' })}` })],
    ['the right key but another issuer', () => ({ authorization: `Bearer ${signJwt(published.privateKey, 'published', { ...validClaims(), iss: 'https://evil.example' })}` })],
    ['the right key but expired', () => ({ authorization: `Bearer ${signJwt(published.privateKey, 'published', { ...validClaims(), exp: Math.floor(Date.now() / 1000) - 3600 })}` })],
    ['the right key but another serviceUrl claim', () => ({ authorization: `Bearer ${signJwt(published.privateKey, 'published', { ...validClaims(), serviceurl: 'https://evil.example/' })}` })],
    ['a huge header value', () => ({ authorization: `Bearer ${'A'.repeat(12_000)}` })],
  ])('answers 401 (no 5xx, no hang) to %s, and stores nothing', async (_name, headers) => {
    const res = await post(personalInvoke(ctx, PEOPLE.teacher, 'a:1conv', REPORT_VERBS.submit, {
      submissionId: '00000000-0000-4000-8000-00000000aaaa',
      category: 'online-bullying',
      about: 'pupil',
      pupils: 'X',
      whatHappened: 'An attacker tries to inject a concern.',
      occurredOn: '2026-11-20',
      location: 'nowhere',
      urgency: 'standard',
    }), headers());
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/at .*\.js|stack/i);
    expect(await app.db.query('SELECT 1 FROM concerns')).toHaveLength(0);
  });

  it('answers 401 to a plain message without a token too', async () => {
    expect((await post(personalMessage(ctx, PEOPLE.teacher, 'a:1conv', 'hello'))).status).toBe(401);
  });

  it('survives a malformed Host header on a raw socket, then serves a normal request', async () => {
    for (const host of ['[::1', 'a b', '%%%', '', ':::::', 'x'.repeat(5000), 'evil.example:99999']) {
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        });
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
        socket.setTimeout(5000, () => socket.destroy());
      });
      // Either answered or refused with a 4xx; never a crash (the next request proves it).
      expect(answer === '' || /^HTTP\/1\.1 [24]\d\d/.test(answer)).toBe(true);
      const ok = await fetch(`${url}/healthz`);
      expect(ok.status).toBe(200);
    }
  });

  it('refuses an oversized body with 413 from its Content-Length, before reading it', async () => {
    // The client announces 50 MB but sends only a few bytes: a server that buffered first would wait.
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n{"type":`);
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      socket.setTimeout(5000, () => socket.destroy());
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('refuses an oversized chunked body (no Content-Length) with 413', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"text":"${big}`));
          controller.enqueue(new TextEncoder().encode(`${big}"}`));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((err: Error) => ({ status: 0, err }));
    // 413, or the server cut the upload short: both refuse; never 2xx or 5xx.
    expect([0, 413]).toContain(res.status);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
