// The HTTPS front of the fake tenant: one server on 127.0.0.1 (port 0) that answers both as
// the Entra authority (`{url}/{tenant}/...`) and as Graph (`{url}/v1.0/...`), so production code
// configured with AUTHORITY_HOST = GRAPH_BASE_URL = `url` runs against it unmodified.
//
// TLS trust: the server certificate is signed by a CA made at start; `caPem` (and `caFile`, a
// file holding it) is what a client must trust. A child process can take NODE_EXTRA_CA_CERTS=caFile;
// a jest worker is already running, so tests pass `caPem` to the production code's `tls.caPem`
// option instead (see src/graph/https-transport.ts).
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServerCertificates } from './certificates';
import { AppRegistration, FakeEntra } from './entra';
import { FakeGraphApi, GraphApiOptions, GraphResponse, InjectedFailure } from './graph-api';
import { RuMeter, RuMeterOptions } from './ru-meter';
import { FakeTenant, TenantOptions } from './tenant-model';

export interface FakeGraphTenantOptions extends GraphApiOptions {
  /** An existing tenant, or options to generate one. */
  tenant?: FakeTenant | TenantOptions;
  /** App registrations. Default: one app `jigsaw-audit` with secret `s3cret` and read roles. */
  apps?: AppRegistration[];
  /** RU budget per app per window (see RuMeter). */
  ru?: RuMeterOptions;
  /** Added before every response, in ms (Graph and Entra). */
  latencyMs?: number;
  /** Access-token lifetime, seconds. */
  tokenLifetimeSeconds?: number;
}

export interface FakeGraphTenant {
  /** `https://127.0.0.1:{port}` — use as AUTHORITY_HOST and GRAPH_BASE_URL. */
  readonly url: string;
  /** `127.0.0.1:{port}` — msal-node knownAuthorities entry. */
  readonly host: string;
  /** PEM of the CA clients must trust. */
  readonly caPem: string;
  /** A file holding caPem (for NODE_EXTRA_CA_CERTS in child processes). */
  readonly caFile: string;
  readonly tenant: FakeTenant;
  readonly tenantId: string;
  readonly entra: FakeEntra;
  readonly api: FakeGraphApi;
  readonly meter: RuMeter;
  setLatency(ms: number): void;
  injectFailures(failure: InjectedFailure): void;
  registerApp(app: AppRegistration): void;
  /** HTTP requests received (top-level, Entra included). */
  readonly httpRequests: () => number;
  /**
   * Takes the tenant off the network (false: the port is closed and open sockets are dropped, so
   * clients get ECONNREFUSED, as when Graph or the school's internet link is down) or back on it
   * at the same address (true).
   */
  setReachable(reachable: boolean): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_APP: AppRegistration = {
  clientId: '6f1c3a52-8d0e-4b7a-9c55-0a1b2c3d4e5f',
  displayName: 'Jigsaw sharing audit',
  secrets: ['s3cret'],
  roles: ['User.Read.All', 'Files.Read.All', 'Sites.Read.All', 'EduRoster.Read.All', 'Organization.Read.All'],
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: { status: number; headers?: Record<string, string>; body?: unknown }, requestId: string, clientRequestId?: string): void {
  const headers: Record<string, string> = { 'request-id': requestId, ...(clientRequestId ? { 'client-request-id': clientRequestId } : {}), ...(r.headers ?? {}) };
  if (Buffer.isBuffer(r.body)) {
    res.writeHead(r.status, { 'Content-Length': String(r.body.length), ...headers });
    res.end(r.body);
    return;
  }
  if (r.body === undefined || r.status === 204) {
    res.writeHead(r.status, headers);
    res.end();
    return;
  }
  const json = Buffer.from(JSON.stringify(r.body));
  res.writeHead(r.status, { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', 'Content-Length': String(json.length), ...headers });
  res.end(json);
}

/** Parses `bytes=a-b` (the only form the audit uses); undefined means the whole file. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | 'invalid' {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/u.exec(header.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}

export async function startFakeGraphTenant(options: FakeGraphTenantOptions = {}): Promise<FakeGraphTenant> {
  const tenant = options.tenant instanceof FakeTenant ? options.tenant : new FakeTenant(options.tenant ?? {});
  const certs = createServerCertificates();
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-fake-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);
  let origin = '';
  const entra = new FakeEntra(tenant.tenantId, tenant.domain, () => origin, () => origin, options.tokenLifetimeSeconds);
  for (const app of options.apps ?? [DEFAULT_APP]) entra.registerApp(app);
  const meter = new RuMeter(options.ru);
  const api = new FakeGraphApi(tenant, entra, meter, () => origin, options);
  let latencyMs = options.latencyMs ?? 0;
  let httpRequests = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    httpRequests++;
    const requestId = randomUUID();
    const clientRequestId = typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : undefined;
    const raw = await readBody(req);
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const seg = path.split('/').filter(Boolean);
    const method = req.method ?? 'GET';

    // ---- Entra
    if (method === 'GET' && path === '/common/discovery/instance') return send(res, entra.instanceDiscovery(url.searchParams.get('authorization_endpoint')), requestId);
    if (seg.length >= 1 && seg[0] !== 'v1.0' && seg[0] !== '_download') {
      const t = decodeURIComponent(seg[0]!);
      if (!entra.knowsTenant(t) && t !== 'common') return send(res, { status: 400, body: { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${t}' not found.`, error_codes: [90002] } }, requestId);
      const rest = seg.slice(1).join('/');
      if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') return send(res, entra.openIdConfiguration(t), requestId);
      if (method === 'GET' && rest === 'discovery/v2.0/keys') return send(res, entra.keys(), requestId);
      if (method === 'POST' && rest === 'oauth2/v2.0/token') return send(res, entra.token(t, new URLSearchParams(raw.toString('utf8'))), requestId);
      return send(res, { status: 404, body: { error: 'not_found' } }, requestId);
    }

    // ---- pre-authenticated download URLs (what /content redirects to); Range → 206
    if (method === 'GET' && seg[0] === '_download' && seg.length === 3) {
      const i = tenant.itemIndex(seg[2]!);
      if (i < 0 || tenant.isDeleted(i)) return send(res, { status: 404, body: { error: { code: 'itemNotFound', message: 'Not found' } } }, requestId);
      const size = tenant.sizeOf(i);
      const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
      if (range === 'invalid') return send(res, { status: 416, headers: { 'Content-Range': `bytes */${size}` }, body: Buffer.alloc(0) }, requestId);
      const end = range ? range.end : size - 1;
      const start = range ? range.start : 0;
      // Content is synthesised up to the requested end; bytes past the synthetic text are padding.
      const text = tenant.contentOf(i, end + 1);
      const body = Buffer.alloc(end - start + 1, 0x20);
      text.copy(body, 0, start, Math.min(text.length, end + 1));
      const headers: Record<string, string> = { 'Content-Type': tenant.mimeTypeOf(i), 'Accept-Ranges': 'bytes' };
      if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      return send(res, { status: range ? 206 : 200, headers, body }, requestId);
    }

    // ---- Graph
    if (seg[0] === 'v1.0') {
      let body: unknown;
      if (raw.length) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return send(res, { status: 400, body: { error: { code: 'BadRequest', message: 'Unable to read JSON request payload.' } } }, requestId);
        }
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const r: GraphResponse = api.handle({ method, url: req.url ?? '/', headers, body });
      return send(res, r, requestId, clientRequestId);
    }
    return send(res, { status: 404, body: { error: { code: 'BadRequest', message: 'Unknown path' } } }, requestId);
  };

  const server: Server = createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: { code: 'generalException', message: String(err) } } }, randomUUID());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `https://127.0.0.1:${port}`;

  return {
    url: origin,
    host: `127.0.0.1:${port}`,
    caPem: certs.caPem,
    caFile,
    tenant,
    tenantId: tenant.tenantId,
    entra,
    api,
    meter,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    injectFailures: (f) => api.injectFailures(f),
    registerApp: (app) => entra.registerApp(app),
    httpRequests: () => httpRequests,
    setReachable: async (reachable) => {
      if (reachable === server.listening) return;
      if (!reachable) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        return;
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
