import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db } from './db';

/** How often the embedded store looks for tables that have grown since they were last analysed. */
const ANALYZE_CHECK_MS = 5_000;

/**
 * PostgreSQL's buffer pool inside PGlite's WebAssembly memory. That memory is never given back
 * to the system, so every page ever cached stays resident in the bot's (or the CLI's) process:
 * PostgreSQL's default of 128 MB held a 1,000,000-item sharing audit well above 500 MB. The
 * embedded store reads its files through Node's fs, so pages beyond this pool come from the
 * operating system's page cache, which the system can reclaim. (bench:audit --million shows it.)
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/** Embedded PostgreSQL (WASM). `dataDir` undefined keeps it in memory (tests). */
export async function openPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite({ dataDir, startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] });
  await pg.waitReady;
  return wrapPglite(pg);
}

/**
 * PGlite has no autovacuum, so nothing ever ANALYZEs its tables, and plans made while a table
 * was nearly empty are kept: the foreign-key checks of every concern insert (pupils and events
 * referencing their concern) scanned the whole concerns table, so the intake slowed down with
 * every concern stored (0.03 ms per check at 50 concerns, 0.7 ms at 3,000). This does the part
 * of autovacuum that matters: a table whose size has doubled since its last ANALYZE (and is at
 * least 8 pages) is analysed, which also makes PostgreSQL re-plan the statements that use it.
 */
async function analyzeGrownTables(pg: PGlite): Promise<void> {
  const grown = await pg.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = current_schema()
       AND pg_relation_size(c.oid) / current_setting('block_size')::int >= greatest(8, 2 * c.relpages)`,
  );
  for (const { name } of grown.rows) await pg.exec(`ANALYZE ${name}`);
}

/**
 * PGlite runs each query on this thread, and its promises settle without a turn of the event
 * loop: a job's chain of queries (the sharing audit runs hundreds back to back) starved every
 * socket until it ended, so a Teams request could wait seconds. Before a statement, once
 * YIELD_AFTER_MS have passed since the last turn this store gave, one `setImmediate` lets
 * pending I/O and timers run. Not before every statement: a request's own short chain (a triage
 * action runs ≈ 27 queries in ≈ 25 ms) need not pay a turn per query.
 */
const YIELD_AFTER_MS = 10;

function eventLoopTurns(): () => Promise<void> {
  let lastTurn = performance.now();
  return async () => {
    if (performance.now() - lastTurn < YIELD_AFTER_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastTurn = performance.now();
  };
}

function wrapPglite(pg: PGlite): Db {
  const yieldToEventLoop = eventLoopTurns();
  let analyzing = false;
  const maintenance = setInterval(() => {
    if (analyzing || pg.closed) return;
    analyzing = true;
    analyzeGrownTables(pg)
      .catch(() => undefined) // best effort: the next check tries again
      .finally(() => (analyzing = false));
  }, ANALYZE_CHECK_MS);
  maintenance.unref();
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      await yieldToEventLoop();
      const result = await pg.query<T>(text, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string) {
      await yieldToEventLoop();
      await pg.exec(sql);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>) {
      return pg.transaction((tx) => fn(wrapTransaction(tx, yieldToEventLoop)));
    },
    async close() {
      clearInterval(maintenance);
      await pg.close();
    },
  };
  return db;
}

function wrapTransaction(tx: Transaction, yieldToEventLoop: () => Promise<void>): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      await yieldToEventLoop();
      const result = await tx.query<T>(text, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string) {
      await yieldToEventLoop();
      await tx.exec(sql);
    },
    transaction<T>(fn: (inner: Db) => Promise<T>) {
      return fn(db);
    },
    async close() {
      throw new Error('close() called on a transaction');
    },
  };
  return db;
}
