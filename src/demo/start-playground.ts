import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { playgroundServiceUrl } from './playground-config';

/**
 * Runs the Microsoft 365 Agents Playground (the local Teams emulator) as a child process, bound
 * to 127.0.0.1 only, with telemetry and browser auto-open off. Used by `npm start` (demo) and by
 * the end-to-end tests.
 */

export interface StartPlaygroundOptions {
  /** The bot's messages endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  botEndpoint: string;
  /** Port for the Playground UI (and its own API, which the bot reaches via connectorPort); 0 or omitted = a free port. */
  port?: number;
  /** An existing `.m365agentsplayground.yml` (see writePlaygroundConfig). */
  configPath: string;
  /**
   * Port of the connector proxy, i.e. of the serviceUrl in activities; 0 or omitted = a free port.
   * The demo fixes it so a serviceUrl stored in its database stays valid across runs.
   */
  connectorPort?: number;
  /**
   * Channel rosters: channel id → Teams user ids of its members. In the Playground every channel
   * has the whole team; with a roster, the Bot Connector member calls on that channel's
   * conversation id (…/pagedmembers, …/members, …/members/{id}; in botbuilder
   * TeamsInfo.getPagedTeamMembers(ctx, channelId) and getTeamMember(ctx, channelId, userId))
   * return only these users. (TeamsInfo.getPagedMembers/getMember in a team ask for the team id,
   * i.e. the General channel, and so still get everyone, as in Teams.)
   */
  channelMembers?: Record<string, string[]>;
  /** Copy the Playground's output to this process's stdout/stderr (demo); tests keep it quiet. */
  echoOutput?: boolean;
  /** How long to wait for it to answer; default 30 s. */
  startTimeoutMs?: number;
}

/** Who the bot should see as the sender (see RunningPlayground.actAs). */
export interface PlaygroundIdentity {
  id: string;
  name?: string;
  aadObjectId?: string;
}

export interface RunningPlayground {
  /** The UI, e.g. http://127.0.0.1:56150 (open this in the browser). */
  url: string;
  port: number;
  /**
   * The serviceUrl in activities (the bot calls it back there): the connector proxy in front of
   * the Playground's /_connector API.
   */
  serviceUrl: string;
  /**
   * Makes the bot see activities from the Playground as sent by another user (undefined = the
   * config's currentUser again). The Playground has no user switcher: it always sends its
   * currentUser, so a small loopback proxy between it and the bot rewrites `from`.
   */
  actAs(user: PlaygroundIdentity | undefined): void;
  /** The Playground's log so far (it logs to a file, not to a pipe): for diagnosing failures. */
  output(): string;
  /** Stops the Playground and anything it started (kills its process group). Idempotent. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** The repo root: where scripts/playground/loopback-preload.js lives (works from src/ and dist/). */
function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'playground', 'loopback-preload.js'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find scripts/playground/loopback-preload.js above ' + __dirname);
    dir = parent;
  }
}

/** A port that is free on 127.0.0.1 right now (there is a small race; the caller checks the port it got). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The child's environment: our env minus anything that would send its traffic elsewhere. */
function playgroundEnv(configPath: string, logFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The Playground routes its calls to the bot through HTTP(S)_PROXY when set; never wanted here.
  for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[key];
  // Its own start-up flags must not be overridden by a developer's shell.
  for (const key of ['M365_AGENTS_PLAYGROUND_SERVICE_URL', 'M365_AGENTS_PLAYGROUND_CONVERSATION_ID', 'TEAMSAPPTESTER_PORT']) {
    delete env[key];
  }
  return {
    ...env,
    NO_PROXY: '*',
    TEAMSAPPTESTER_BROWSER: 'none', // do not open a browser
    M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
    // Default is ./devTools/m365agentsplayground.log in the cwd (it also deletes it at start).
    M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
    // --disable-telemetry stops events, but Application Insights is still set up; keep its
    // background statsbeat quiet too (the preload refuses the connections anyway).
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    NODE_OPTIONS: '', // a parent's --inspect or loaders must not leak into the child
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // negative pid = the whole process group (detached: true)
  } catch {
    // Already gone.
  }
}

interface ProxyHooks {
  /** May replace the request body before it is forwarded. */
  request?(req: IncomingMessage, body: Buffer): Buffer;
  /** May replace the upstream answer (status and body); undefined passes it through untouched. */
  response?(req: IncomingMessage, status: number, body: Buffer): { status: number; body: Buffer } | undefined;
  /** Whether `response` wants to see this request's answer (others are streamed through). */
  inspects?(req: IncomingMessage): boolean;
}

/**
 * A small loopback HTTP proxy to `target` (an origin) with hooks. Two of them sit around the
 * Playground: one in front of the bot (to change who the bot sees as the sender: the Playground
 * always sends its config's currentUser), one in front of the Playground's connector API (the
 * serviceUrl the bot calls back; it can narrow channel rosters, which in the Playground are
 * always the whole team).
 */
async function startProxy(target: URL, port: number, hooks: ProxyHooks): Promise<{ port: number; close(): Promise<void> }> {
  const forward = (req: IncomingMessage, res: ServerResponse, received: Buffer): void => {
    const body = hooks.request ? hooks.request(req, received) : received;
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const upstream = httpRequest(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (answer) => {
        if (!hooks.response || !hooks.inspects?.(req)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const original = { status: answer.statusCode ?? 502, body: Buffer.concat(chunks) };
          let replaced: { status: number; body: Buffer } = original;
          try {
            replaced = hooks.response?.(req, original.status, original.body) ?? original;
          } catch {
            // A hook that cannot read the answer leaves it alone rather than crash the host process.
          }
          const outHeaders = { ...answer.headers, 'content-length': String(replaced.body.length) };
          delete outHeaders['transfer-encoding'];
          res.writeHead(replaced.status, outHeaders);
          res.end(replaced.body);
        });
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream unreachable: ${error.message}`);
    });
    upstream.end(body);
  };

  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen({ port, host: LOOPBACK }, () => done());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Rewrites `from` of activities sent by the Playground's currentUser to the acted-as user. */
function senderHooks(state: { sender?: PlaygroundIdentity; currentUserId?: string }): ProxyHooks {
  return {
    request(_req, body) {
      if (!state.sender || !state.currentUserId || body.length === 0) return body;
      try {
        const activity = JSON.parse(body.toString('utf8')) as { from?: { id?: string } };
        if (activity.from?.id !== state.currentUserId) return body;
        activity.from = { ...activity.from, ...state.sender };
        return Buffer.from(JSON.stringify(activity));
      } catch {
        return body; // not JSON: pass through
      }
    },
  };
}

const MEMBERS_PATH = /^\/_connector\/v3\/conversations\/([^/]+)\/(pagedmembers|members)(?:\/([^/?]+))?(?:\?.*)?$/;

/**
 * Narrows the member lists the bot reads for some channels: the Playground answers every
 * conversation in the team with all users. Applies to GET …/pagedmembers, …/members and
 * …/members/{id} (404 when not on the roster) for conversation ids whose channel part (before
 * ";messageid=") has a roster.
 */
function rosterHooks(rosters: Record<string, string[]>): ProxyHooks {
  const rosterFor = (req: IncomingMessage): { roster: Set<string>; kind: string; memberId?: string } | undefined => {
    if (req.method !== 'GET' || !req.url) return undefined;
    const m = MEMBERS_PATH.exec(req.url);
    if (!m) return undefined;
    const channelId = decodeURIComponent(m[1]).split(';')[0];
    const roster = rosters[channelId];
    return roster ? { roster: new Set(roster), kind: m[2], memberId: m[3] && decodeURIComponent(m[3]) } : undefined;
  };
  return {
    inspects: (req) => rosterFor(req) !== undefined,
    response(req, status, body) {
      const hit = rosterFor(req);
      if (!hit || status !== 200) return undefined;
      const json = JSON.parse(body.toString('utf8')) as unknown;
      let out: unknown;
      if (hit.memberId !== undefined) {
        if (!hit.roster.has(hit.memberId)) {
          const error = { error: { code: 'MemberNotFoundInConversation', message: 'The member is not in this channel (roster)' } };
          return { status: 404, body: Buffer.from(JSON.stringify(error)) };
        }
        out = json;
      } else if (hit.kind === 'pagedmembers') {
        const page = json as { members: { id: string }[] };
        const members = page.members.filter((m) => hit.roster.has(m.id));
        out = { ...page, members, totalCount: members.length };
      } else {
        out = (json as { id: string }[]).filter((m) => hit.roster.has(m.id));
      }
      return { status, body: Buffer.from(JSON.stringify(out)) };
    },
  };
}

export async function startPlayground(options: StartPlaygroundOptions): Promise<RunningPlayground> {
  const configPath = resolve(options.configPath);
  if (!existsSync(configPath)) {
    // Without the file the Playground silently falls back to its built-in fake tenant.
    throw new Error(`Playground config not found: ${configPath} (write it with writePlaygroundConfig)`);
  }
  const port = options.port && options.port > 0 ? options.port : await findFreePort();
  const url = `http://${LOOPBACK}:${port}`;
  const root = findRepoRoot();
  const preload = join(root, 'scripts', 'playground', 'loopback-preload.js');
  const cli = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
  const senderState: { sender?: PlaygroundIdentity; currentUserId?: string } = {};
  const botUrl = new URL(options.botEndpoint);
  const botProxy = await startProxy(new URL(botUrl.origin), 0, senderHooks(senderState));
  let connectorProxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    connectorProxy = await startProxy(new URL(url), options.connectorPort ?? 0, rosterHooks(options.channelMembers ?? {}));
  } catch (error) {
    await botProxy.close();
    throw error;
  }
  const serviceUrl = playgroundServiceUrl(connectorProxy.port);
  const logDir = mkdtempSync(join(tmpdir(), 'jigsaw-playground-'));
  const logFile = join(logDir, 'playground.log');

  const args = [
    '-r', preload, // forces every listen() to 127.0.0.1 and refuses outbound connections
    cli, 'start',
    // Both ends go through our proxies (see startProxy): the bot's endpoint and the serviceUrl.
    '--app-endpoint', `http://${LOOPBACK}:${botProxy.port}${botUrl.pathname}${botUrl.search}`,
    '--channel-id', 'msteams',
    '--port', String(port),
    // Also avoids its default http://localhost:<port>/_connector (localhost may resolve to ::1).
    '--service-url', serviceUrl,
    '--disable-telemetry',
  ];
  const child = spawn(process.execPath, args, {
    cwd: dirname(configPath),
    env: playgroundEnv(configPath, logFile),
    detached: true, // own process group, so stop() can kill it and anything it spawned
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const collect = (echo: NodeJS.WriteStream) => (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.echoOutput) echo.write(chunk);
  };
  child.stdout?.on('data', collect(process.stdout));
  child.stderr?.on('data', collect(process.stderr));

  // With stdout not a TTY the Playground writes its console only to the log file.
  const readLog = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      killGroup(child, 'SIGTERM');
      if (!(await waitForExit(child, 5000))) {
        killGroup(child, 'SIGKILL');
        await waitForExit(child, 5000);
      }
      await botProxy.close();
      await connectorProxy.close();
      rmSync(logDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the Playground exited during start-up (code ${child.exitCode ?? child.signalCode})`);
      }
      const listening = /Listening on (\d+)/.exec(output);
      if (listening && Number(listening[1]) !== port) {
        // It falls back to a random port when ours is taken; its serviceUrl would then be wrong.
        throw new Error(`port ${port} is in use (the Playground fell back to ${listening[1]})`);
      }
      // /_internal/v1/config answers only once the config file has loaded and the API is mounted.
      if (listening && (await answers(`${url}/_internal/v1/config`))) break;
      if (Date.now() > deadline) throw new Error(`the Playground did not answer on ${url} in time`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    const log = readLog();
    await stop();
    throw new Error(`${(error as Error).message}\n--- Playground output ---\n${output}\n--- Playground log ---\n${log}`);
  }

  // The Playground always sends its config's currentUser; actAs swaps that sender in the bot proxy.
  const config = (await (await fetch(`${url}/_internal/v1/config`)).json()) as { config: { currentUser: { id: string } } };
  senderState.currentUserId = config.config.currentUser.id;
  return {
    url,
    port,
    serviceUrl,
    actAs: (user) => {
      senderState.sender = user;
    },
    output: () => output + readLog(),
    stop,
  };
}
