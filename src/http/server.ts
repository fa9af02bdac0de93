import { timingSafeEqual } from 'node:crypto';
import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import { describeError, type Logger } from '../logging';
import type { TabApi } from './tab-api';
import type { TabAssets } from './tab-static';

export interface HealthReport {
  ready: boolean;
  checks: Record<string, unknown>;
}

export interface HttpServerDeps {
  adapter: CloudAdapter;
  bot: ActivityHandler;
  logger: Logger;
  readiness: () => Promise<HealthReport>;
  /** Prometheus text at /metrics: open (local mode), or behind a bearer token, else absent. */
  metrics?: { render: () => Promise<string>; token?: string; open: boolean };
  /** Requests larger than this are refused (413) before any parsing. */
  maxBodyBytes?: number;
  /** The Jigsaw tab: its static pages (/tab/*) and its JSON API (/api/tab/*). */
  tab?: { api: TabApi; assets: TabAssets };
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The only restify importer: routes, body limits and error mapping. */
export function createHttpServer(deps: HttpServerDeps) {
  const server = restify.createServer({ name: 'jigsaw', handleUncaughtExceptions: false });
  const maxBodySize = deps.maxBodyBytes ?? 256 * 1024;
  // restify's body reader counts bytes as they arrive; a declared Content-Length over the limit
  // is refused at once, without reading (and waiting for) the body, and the connection closed.
  server.pre((req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodySize) {
      res.setHeader('connection', 'close');
      res.send(413, { code: 'PayloadTooLarge', message: `Request body size exceeds ${maxBodySize}` });
      return next(false);
    }
    return next();
  });
  server.use(restify.plugins.bodyParser({ maxBodySize, mapParams: false, mapFiles: false, keepExtensions: false }));

  server.post('/api/messages', async (req, res) => {
    try {
      await deps.adapter.process(req, res, (context) => deps.bot.run(context));
    } catch (err) {
      deps.logger.error(describeError(err), 'bot endpoint failed');
      if (!res.headersSent) res.send(500, { error: 'internal error' });
    }
  });

  if (deps.tab) registerTabRoutes(server, deps.tab);

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'alive' });
    return next();
  });

  const metrics = deps.metrics;
  if (metrics && (metrics.open || metrics.token)) {
    server.get('/metrics', async (req, res) => {
      if (!metrics.open && !bearerMatches(req.headers.authorization, metrics.token!)) {
        res.send(401, { code: 'Unauthorized', message: 'a bearer token is required' });
        return;
      }
      const body = await metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    });
  }

  server.get('/readyz', async (_req, res) => {
    try {
      const report = await deps.readiness();
      res.send(report.ready ? 200 : 503, report);
    } catch (err) {
      deps.logger.error(describeError(err), 'readiness check failed');
      res.send(503, { ready: false });
    }
  });

  server.on('restifyError', (req, res, err, callback) => {
    // Never a stack trace on the wire.
    (err as { toJSON?: () => unknown }).toJSON = () => ({ code: (err as { code?: string }).code ?? 'Error', message: err.statusCode && err.statusCode < 500 ? err.message : 'internal error' });
    return callback();
  });

  return {
    server,
    listen(host: string, port: number): Promise<RunningHttpServer> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const boundPort = typeof address === 'object' && address ? address.port : port;
          resolve({
            url: `http://${host}:${boundPort}`,
            port: boundPort,
            close: () => new Promise<void>((done) => server.close(() => done())),
          });
        });
      });
    },
  };
}

/** The tab's pages and API: restify is adapted here to the framework-free TabApi and TabAssets. */
function registerTabRoutes(server: restify.Server, tab: { api: TabApi; assets: TabAssets }): void {
  server.get('/tab/*', (req, res, next) => {
    const out = tab.assets.serve(String(req.params['*'] ?? ''));
    res.writeHead(out.status, out.headers);
    res.end(out.body);
    return next(false);
  });
  const api = async (req: restify.Request, res: restify.Response) => {
    const out = await tab.api.handle({
      method: req.method ?? 'GET',
      path: String(req.params['*'] ?? ''),
      query: Object.fromEntries(new URL(req.url ?? '/', 'http://localhost').searchParams),
      body: req.body,
      authorization: req.headers.authorization,
    });
    if (Buffer.isBuffer(out.body)) {
      res.writeHead(out.status, { ...out.headers, 'content-length': String(out.body.length) });
      res.end(out.body);
      return;
    }
    for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
    res.send(out.status, out.body);
  };
  server.get('/api/tab/*', api);
  server.post('/api/tab/*', api);
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the configured token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
