import { Pool, type PoolClient } from 'pg';
import type { Db } from './db';

/**
 * A PostgreSQL server through `pg`. `schema`, when given, is created if missing and put first
 * on every connection's search_path: the test suite gives each file its own schema.
 */
export async function openPostgresDb(connectionString: string, options: { schema?: string; max?: number; createSchema?: boolean } = {}): Promise<Db> {
  const { schema } = options;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('invalid schema name');
  const pool = new Pool({
    connectionString,
    max: options.max ?? 10,
    // A server that cannot be reached fails the request after 10 s, rather than at the TCP
    // timeout (minutes), holding up everything waiting for a connection.
    connectionTimeoutMillis: 10_000,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  if (schema && options.createSchema !== false) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);

  const db: Db = {
    kind: 'postgres',
    async query<T>(text: string, params?: readonly unknown[]) {
      const result = await pool.query(text, params ? [...params] : undefined);
      return result.rows as T[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(wrapClient(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
  return db;
}

function wrapClient(client: PoolClient): Db {
  const db: Db = {
    kind: 'postgres',
    async query<T>(text: string, params?: readonly unknown[]) {
      const result = await client.query(text, params ? [...params] : undefined);
      return result.rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
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
