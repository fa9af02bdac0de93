import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config';
import type { Db } from './db';
import { NarrativeCipher } from './narrative-cipher';

/**
 * The master keys for narrative encryption. Production takes them from configuration (Key
 * Vault references). Local mode without keys keeps a generated development key beside the
 * embedded database (mode 0600), or an ephemeral one for an in-memory store.
 */
export function resolveCipher(options: { keys?: string; activeKeyId?: string; mode: 'production' | 'local'; dataDir?: string }): NarrativeCipher {
  if (options.keys) return NarrativeCipher.fromConfig(options.keys, options.activeKeyId);
  if (options.mode === 'production') throw new Error('ENCRYPTION_KEYS is required in production mode');
  if (!options.dataDir) return new NarrativeCipher(new Map([['ephemeral', randomBytes(32)]]), 'ephemeral');
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'dev-master.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return new NarrativeCipher(new Map([['dev', Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')]]), 'dev');
}

/** The cipher a CLI command uses: the configured keys, or the development key beside the embedded store. */
export function cipherFromConfig(config: Pick<Config, 'encryption' | 'mode' | 'store'>): NarrativeCipher {
  return resolveCipher({ keys: config.encryption.keys, activeKeyId: config.encryption.activeKeyId, mode: config.mode, dataDir: config.store.databaseUrl ? undefined : config.store.dataDir });
}

/**
 * Master keys configured under an id the store uses that are not the key stored data was wrapped
 * with (a wrong value pasted under the right id). One data key wrapped under each configured id
 * is unwrapped; the ids it fails for are returned. Without this check a wrong key is accepted
 * silently: narrative cannot be read, and every chronology link made under its id looks tampered.
 */
export async function findWrongMasterKeys(db: Db, cipher: NarrativeCipher): Promise<string[]> {
  const rows = await db.query<{ master_key_id: string; tenant_id: string; wrapped_key: string }>(
    'SELECT DISTINCT ON (master_key_id) master_key_id, tenant_id, wrapped_key FROM concern_keys ORDER BY master_key_id, tenant_id, concern_id',
  );
  const wrong: string[] = [];
  for (const r of rows) {
    if (!cipher.hasMasterKey(r.master_key_id)) continue;
    try {
      cipher.unwrapDataKey(r.wrapped_key, r.tenant_id);
    } catch {
      wrong.push(r.master_key_id);
    }
  }
  return wrong;
}

/** What to say when a configured master key is wrong (findWrongMasterKeys), or undefined when none is. */
export async function wrongMasterKeysProblem(db: Db, cipher: NarrativeCipher): Promise<string | undefined> {
  const wrong = await findWrongMasterKeys(db, cipher);
  return wrong.length ? describeWrongMasterKeys(wrong) : undefined;
}

/** The message for findWrongMasterKeys' answer (ids only, never key material). */
function describeWrongMasterKeys(ids: readonly string[]): string {
  return `ENCRYPTION_KEYS: master key${ids.length === 1 ? '' : 's'} ${ids.join(', ')} ${ids.length === 1 ? 'is' : 'are'} not the key${ids.length === 1 ? '' : 's'} the stored records were encrypted with (a wrong value under the right id). Configure the right key${ids.length === 1 ? '' : 's'}; nothing was done.`;
}
