import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ChronologyKeys } from '../domain/concerns/chronology';

/**
 * Encryption at rest for what a child said. Envelope scheme: a random 256-bit data key per
 * concern encrypts its narrative (AES-256-GCM); the data key is stored wrapped by a master
 * key identified by id. A database dump alone reveals no narrative; rotating the master key
 * re-wraps data keys and never touches the (append-only) ciphertext.
 *
 * Value format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The tenant id is
 * bound as additional authenticated data so a value cannot be moved to another tenant.
 */
export class NarrativeCipher {
  // A JavaScript private field (not TypeScript's `private`): logging or inspecting the cipher
  // must never print the master keys.
  readonly #masterKeys: Map<string, Buffer>;
  #chronology?: ChronologyKeys;

  constructor(
    masterKeys: Map<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [id, key] of masterKeys) {
      if (key.length !== 32) throw new Error(`master key ${id} must be 32 bytes`);
    }
    if (!masterKeys.has(activeKeyId)) throw new Error(`active master key ${activeKeyId} is not configured`);
    this.#masterKeys = masterKeys;
  }

  /**
   * The keys that sign chronology links: derived from each master key (HKDF with the chronology
   * label), never the master keys themselves; the active one signs new links.
   */
  chronologyKeys(): ChronologyKeys {
    this.#chronology ??= ChronologyKeys.fromMasterKeys(this.#masterKeys, this.activeKeyId);
    return this.#chronology;
  }

  /**
   * Parses `keyId:base64,keyId:base64`; the active key defaults to the last one listed. An id
   * listed twice is refused: the later key would silently replace the earlier one, and every
   * record wrapped (and chronology link made) under the earlier one would look unreadable or tampered.
   */
  static fromConfig(keys: string, activeKeyId?: string): NarrativeCipher {
    const map = new Map<string, Buffer>();
    let last = '';
    for (const entry of keys.split(',')) {
      const [id, b64] = entry.trim().split(':');
      if (map.has(id)) throw new Error(`master key id ${id} is listed twice in ENCRYPTION_KEYS: give each key its own id`);
      map.set(id, Buffer.from(b64, 'base64'));
      last = id;
    }
    return new NarrativeCipher(map, activeKeyId ?? last);
  }

  /** Whether a master key of this id is configured. */
  hasMasterKey(keyId: string): boolean {
    return this.#masterKeys.has(keyId);
  }

  newDataKey(tenantId: string): { dataKey: Buffer; wrapped: string; masterKeyId: string } {
    const dataKey = randomBytes(32);
    return { dataKey, wrapped: seal(this.master(this.activeKeyId), this.activeKeyId, dataKey, tenantId), masterKeyId: this.activeKeyId };
  }

  unwrapDataKey(wrapped: string, tenantId: string): Buffer {
    const keyId = wrapped.split('.')[1];
    return open(this.master(keyId), wrapped, tenantId);
  }

  /** Re-wraps a data key under the active master key (key rotation). */
  rewrap(wrapped: string, tenantId: string): { wrapped: string; masterKeyId: string } {
    const dataKey = this.unwrapDataKey(wrapped, tenantId);
    return { wrapped: seal(this.master(this.activeKeyId), this.activeKeyId, dataKey, tenantId), masterKeyId: this.activeKeyId };
  }

  encrypt(dataKey: Buffer, plaintext: string, tenantId: string): string {
    return seal(dataKey, 'dk', Buffer.from(plaintext, 'utf8'), tenantId);
  }

  decrypt(dataKey: Buffer, value: string, tenantId: string): string {
    return open(dataKey, value, tenantId).toString('utf8');
  }

  private master(keyId: string): Buffer {
    const key = this.#masterKeys.get(keyId);
    if (!key) throw new Error(`master key ${keyId} is not configured (needed to decrypt)`);
    return key;
  }
}

function seal(key: Buffer, keyId: string, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

function open(key: Buffer, value: string, aad: string): Buffer {
  const [version, , iv, tag, ciphertext] = value.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) throw new Error('not a v1 sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
