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
  /** Port for the Playground UI and its connector API; 0 or omitted = a free port. */
  port?: number;
  /** An existing `.m365agentsplayground.yml` (see writePlaygroundConfig). */
  configPath: string;
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
  /** The serviceUrl the Playground puts in activities (the bot calls it back there). */
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


/**
 * A loopback HTTP proxy in front of the bot that can rewrite the sender of activities. Sits
 * between the Playground and the bot so tests can act as any configured user (the Playground
 * always sends its currentUser). Everything else passes through unchanged.
 */
async function startSenderProxy(botEndpoint: string): Promise<{
  endpoint: string;
  setSender(from: PlaygroundIdentity | undefined, replacing: string | undefined): void;
  close(): Promise<void>;
}> {
  const target = new URL(botEndpoint);
  let sender: PlaygroundIdentity | undefined;
  let replacing: string | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    let payload = body;
    if (sender && replacing && body.length > 0) {
      try {
        const activity = JSON.parse(body.toString('utf8')) as { from?: { id?: string } };
        if (activity.from?.id === replacing) {
          activity.from = { ...activity.from, ...sender };
          payload = Buffer.from(JSON.stringify(activity));
        }
      } catch {
        // Not JSON: pass through untouched.
      }
    }
    const headers = { ...req.headers, host: target.host, 'content-length': String(payload.length) };
    const upstream = httpRequest(
      { hostname: target.hostname, port: target.port, path: req.url === '/' ? target.pathname : req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bot unreachable: ${error.message}`);
    });
    upstream.end(payload);
  };

  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen({ port: 0, host: LOOPBACK }, () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${LOOPBACK}:${port}${target.pathname}${target.search}`,
    setSender(from, currentUserId) {
      sender = from;
      replacing = currentUserId;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export async function startPlayground(options: StartPlaygroundOptions): Promise<RunningPlayground> {
  const configPath = resolve(options.configPath);
  if (!existsSync(configPath)) {
    // Without the file the Playground silently falls back to its built-in fake tenant.
    throw new Error(`Playground config not found: ${configPath} (write it with writePlaygroundConfig)`);
  }
  const port = options.port && options.port > 0 ? options.port : await findFreePort();
  const serviceUrl = playgroundServiceUrl(port);
  const root = findRepoRoot();
  const preload = join(root, 'scripts', 'playground', 'loopback-preload.js');
  const cli = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
  const logDir = mkdtempSync(join(tmpdir(), 'jigsaw-playground-'));
  const logFile = join(logDir, 'playground.log');
  const proxy = await startSenderProxy(options.botEndpoint);

  const args = [
    '-r', preload, // forces every listen() to 127.0.0.1 and refuses outbound connections
    cli, 'start',
    '--app-endpoint', proxy.endpoint, // the sender-rewriting proxy, which forwards to the bot
    '--channel-id', 'msteams',
    '--port', String(port),
    // Default is http://localhost:<port>/_connector; localhost may resolve to ::1, where nothing listens.
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
      await proxy.close();
      rmSync(logDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const url = `http://${LOOPBACK}:${port}`;
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

  // The Playground always sends its config's currentUser; actAs swaps that sender in the proxy.
  const config = (await (await fetch(`${url}/_internal/v1/config`)).json()) as { config: { currentUser: { id: string } } };
  const currentUserId = config.config.currentUser.id;
  return {
    url,
    port,
    serviceUrl,
    actAs: (user) => proxy.setSender(user, currentUserId),
    output: () => output + readLog(),
    stop,
  };
}
