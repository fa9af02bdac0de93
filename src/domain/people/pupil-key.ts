/**
 * The key that links concerns about the same pupil when no roster id is known: the typed name
 * with case, diacritics, punctuation and word order normalised ("OKONKWO Amelia",
 * "amelia.okonkwo" and "Amélia Okonkwo" share one key). A class suffix such as "(6B)" is dropped.
 */
export function normalisePupilKey(name: string): string {
  const words = name
    .replace(/\([^)]*\)/g, ' ')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .map((w) => w.replace(/'/g, ''))
    .filter(Boolean)
    .sort();
  return `name:${words.join(' ')}`;
}
