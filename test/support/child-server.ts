import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { PEOPLE, SCHOOL, TEST_ENCRYPTION_KEYS } from './harness';

/**
 * The real server (`src/main.ts` through tsx, configured only by its environment, as in
 * production) in a child process that a test can SIGTERM or SIGKILL and start again on the
 * same PostgreSQL database and port.
 */
export interface ChildServer {
  url: string;
  port: number;
  /** stdout + stderr so far (JSON log lines). */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startChildServer(options: { databaseUrl: string; port: number; env?: Record<string, string> }): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATABASE_URL: options.databaseUrl,
      BOOTSTRAP_TENANT_ID: SCHOOL.tenantId,
      SCHOOL_NAME: 'Halley Primary',
      ADMIN_AAD_IDS: PEOPLE.admin.aadObjectId,
      HEADTEACHER_AAD_ID: PEOPLE.head.aadObjectId,
      CHAIR_AAD_ID: PEOPLE.chair.aadObjectId,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      OUTBOX_POLL_MS: '20',
      OUTBOX_MIN_BACKOFF_MS: '100',
      OUTBOX_MAX_BACKOFF_SECONDS: '1',
      // A crashed worker's claim is taken over after 2 s instead of 60 s.
      OUTBOX_LEASE_SECONDS: '2',
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d.toString()));
  child.stderr!.on('data', (d) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const alive = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (alive) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`child server did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port: options.port,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A fresh database on the DATABASE_URL server for one test file (a child cannot share a schema). */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL must be set');
  const name = `jigsaw_failure_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
