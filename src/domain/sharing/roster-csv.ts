import { tokeniseName } from './pupil-names';
import type { RosterPupil } from './types';

/**
 * Reads a roster CSV an admin exports from the MIS (SIMS, Arbor, Bromcom…) when the school
 * has no School Data Sync. Columns are found by header, whatever their order or spelling:
 * legal or preferred forename, surname, and an id (UPN, admission number, or the row).
 */

const GIVEN = ['legal forename', 'forename', 'first name', 'firstname', 'given name', 'givenname'];
const PREFERRED = ['preferred forename', 'preferred name', 'known as'];
const FAMILY = ['legal surname', 'surname', 'last name', 'lastname', 'family name', 'familyname'];
const ID = ['upn', 'adno', 'admission number', 'pupil id', 'id', 'mis id'];

/** One CSV line into cells (RFC 4180 quotes, doubled quotes inside). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

export interface RosterCsvResult {
  pupils: RosterPupil[];
  /** 1-based line numbers skipped for want of a forename or surname. */
  skippedLines: number[];
}

export function parseRosterCsv(text: string): RosterCsvResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => tokeniseName(h).join(' '));
  const find = (names: string[]) => header.findIndex((h) => names.includes(h));
  const given = find(GIVEN);
  const family = find(FAMILY);
  if (given < 0 || family < 0) throw new Error('roster CSV needs a forename and a surname column (e.g. "Legal Forename", "Legal Surname")');
  const preferred = find(PREFERRED);
  const id = find(ID);
  const pupils: RosterPupil[] = [];
  const skippedLines: number[] = [];
  lines.slice(1).forEach((line, index) => {
    if (line.trim() === '') return;
    const cells = splitCsvLine(line);
    const givenName = cells[given] ?? '';
    const familyName = cells[family] ?? '';
    if (givenName === '' || familyName === '') {
      skippedLines.push(index + 2);
      return;
    }
    pupils.push({
      id: (id >= 0 ? cells[id] : '') || `row-${index + 2}`,
      givenName,
      familyName,
      preferredName: preferred >= 0 && cells[preferred] ? cells[preferred] : null,
    });
  });
  return { pupils, skippedLines };
}
