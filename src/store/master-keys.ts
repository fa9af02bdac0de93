import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config';
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
