import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { NarrativeCipher } from './narrative-cipher';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('NarrativeCipher', () => {
  it('round-trips narrative and never stores the plaintext', () => {
    const cipher = new NarrativeCipher(new Map([['k1', k1]]), 'k1');
    const { dataKey, wrapped } = cipher.newDataKey('t1');
    const sealed = cipher.encrypt(dataKey, 'She said "he hurt me"', 't1');
    expect(sealed).not.toContain('hurt');
    expect(cipher.decrypt(cipher.unwrapDataKey(wrapped, 't1'), sealed, 't1')).toBe('She said "he hurt me"');
  });

  it('refuses a value moved to another tenant or altered', () => {
    const cipher = new NarrativeCipher(new Map([['k1', k1]]), 'k1');
    const { dataKey } = cipher.newDataKey('t1');
    const sealed = cipher.encrypt(dataKey, 'secret', 't1');
    expect(() => cipher.decrypt(dataKey, sealed, 't2')).toThrow();
    const parts = sealed.split('.');
    parts[4] = Buffer.from('SECRET').toString('base64url');
    expect(() => cipher.decrypt(dataKey, parts.join('.'), 't1')).toThrow();
  });

  it('rotates the master key by re-wrapping data keys only', () => {
    const old = new NarrativeCipher(new Map([['k1', k1]]), 'k1');
    const { dataKey, wrapped } = old.newDataKey('t1');
    const sealed = old.encrypt(dataKey, 'kept', 't1');
    const rotated = new NarrativeCipher(new Map([['k1', k1], ['k2', k2]]), 'k2');
    const rewrapped = rotated.rewrap(wrapped, 't1');
    expect(rewrapped.masterKeyId).toBe('k2');
    const onlyNew = new NarrativeCipher(new Map([['k2', k2]]), 'k2');
    expect(onlyNew.decrypt(onlyNew.unwrapDataKey(rewrapped.wrapped, 't1'), sealed, 't1')).toBe('kept');
    expect(() => onlyNew.unwrapDataKey(wrapped, 't1')).toThrow(/k1 is not configured/);
  });
  it('never shows its master keys when logged, inspected or serialised', () => {
    const cipher = new NarrativeCipher(new Map([['k1', k1], ['k2', k2]]), 'k2');
    cipher.chronologyKeys();
    const shown = [inspect(cipher, { depth: 10, showHidden: true }), JSON.stringify(cipher), String(Object.values(cipher))];
    for (const key of [k1, k2]) {
      for (const text of shown) {
        expect(text).not.toContain(key.toString('hex'));
        expect(text).not.toContain(key.toString('base64'));
        expect(text).not.toContain(inspect(key));
      }
    }
  });
});
