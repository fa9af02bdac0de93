import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db } from './db';

/** Embedded PostgreSQL (WASM). `dataDir` undefined keeps it in memory (tests). */
export async function openPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(dataDir);
  await pg.waitReady;
  return wrapPglite(pg);
}

function wrapPglite(pg: PGlite): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      const result = await pg.query<T>(text, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>) {
      return pg.transaction((tx) => fn(wrapTransaction(tx)));
    },
    async close() {
      await pg.close();
    },
  };
  return db;
}

function wrapTransaction(tx: Transaction): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      const result = await tx.query<T>(text, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string) {
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
