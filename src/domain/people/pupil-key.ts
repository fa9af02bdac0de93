import { createHash } from 'node:crypto';
import { foldToBaseLetters } from '../text';

/**
 * The version of the key below. Keys are stored (concern_pupils, pupil_file_transfers,
 * tab_access_log, pattern_alerts): when the way a key is made changes, this number goes up and
 * the store brings its keys to it once, at start-up (store/pupil-rekey.ts).
 * 1: letters a–z and digits only (every letter of another script, and ł, ø, ß…, was dropped).
 * 2: every letter and digit of any script.
 */
export const PUPIL_KEY_VERSION = 2;

// Latin and Greek letters with their marks: folded to base letters ("é" → "e", "ł" → "l",
// "ί" → "ι"). Greek capitals are written without accents, so "ΝΙΚΟΣ" must match "Νίκος".
// Letters of other scripts keep their marks: a Devanagari vowel sign is part of the name.
const FOLDED_LETTER = /[\p{Script=Latin}\p{Script=Greek}]\p{M}*/gu;
// Invisible characters (soft hyphen, zero-width joiners, …) and the Arabic tatweel only change
// how a name looks. Apostrophes join the parts of a name ("O'Brien" is "obrien").
const INVISIBLE = /[\p{Cf}\u0640'\u2018\u2019\u02BC\u02BB`\u00B4]/gu;
const NOT_IN_A_WORD = /[^\p{L}\p{M}\p{N}]+/u;

/**
 * The key that links concerns about the same pupil when no roster id is known: the typed name
 * with case, diacritics, punctuation and word order normalised ("OKONKWO Amelia",
 * "amelia.okonkwo" and "Amélia Okonkwo" share one key; so do "Łucja" and "Lucja"). A class
 * suffix such as "(6B)" is dropped. Every letter and digit of any script is kept ("Дмитрий
 * Иванов" and "Анна Петрова" are two keys). Undefined when the name has no letter or digit at
 * all ("???", "-"): such a name says nothing about which pupil it is, so it links to nothing.
 */
export function pupilNameKey(name: string): string | undefined {
  const words = name
    .replace(/\([^)]*\)/g, ' ')
    .normalize('NFKC')
    .toLowerCase()
    .replace(FOLDED_LETTER, foldToBaseLetters)
    .replace(/ς/g, 'σ')
    .replace(INVISIBLE, '')
    .normalize('NFC')
    .split(NOT_IN_A_WORD)
    .map((w) => w.replace(/^\p{M}+/u, ''))
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .sort();
  return words.length ? `name:${words.join(' ')}` : undefined;
}

/**
 * The key a typed name is looked up by (a filter, the bot's "pupil" command, a subject access
 * export). A name with no letter or digit gets a key that no stored pupil has: it finds nothing.
 */
export function normalisePupilKey(name: string): string {
  return pupilNameKey(name) ?? UNLINKED_PREFIX;
}

const UNLINKED_PREFIX = 'unlinked:';

/**
 * The key stored for the pupil at `position` of a concern. A name with no letter or digit is
 * that concern's pupil only: its key names the concern and position, so it is never linked to
 * another concern (two pupils written "???" are not one child).
 */
export function storedPupilKey(name: string, concernId: string, position: number): string {
  return pupilNameKey(name) ?? `${UNLINKED_PREFIX}${concernId}:${position}`;
}

/** Whether `value` is already a pupil key (a subject access export may be asked for one). */
export function isPupilKey(value: string): boolean {
  return /^name:./.test(value) || /^unlinked:[0-9a-f-]{36}:\d+$/.test(value);
}

/** How pattern_alerts remembers a pupil without holding the name: a hash of the school and the key. */
export function pupilKeyHash(tenantId: string, key: string): string {
  return createHash('sha256').update(`${tenantId}\u0000${key}`).digest('hex');
}
