import { parseCsvRecords } from './csv';
import { isCalendarDate } from '../clock';
import { type AckMethod, type Audience, type AudienceMember, isAudience } from './types';

/** One paper or online-form acknowledgement to import. */
export interface AckImportRow {
  line: number;
  personId: string;
  displayName: string;
  audience: Audience;
  /** Version number of that audience's policy; absent = the latest. */
  versionNumber?: number;
  acknowledgedOn: string; // YYYY-MM-DD
  method: Exclude<AckMethod, 'teams'>;
  signedBy?: string;
  email?: string;
}

export const ACK_IMPORT_HEADER = ['person_id', 'name', 'audience', 'version', 'acknowledged_on', 'method', 'signed_by', 'email'];

/**
 * Reads the acknowledgements CSV (see docs/aup.md): person_id (an Entra object id, or the
 * school's own reference such as an MIS id, stored as ext:<ref>), name, audience, version
 * (optional), acknowledged_on, method (paper | online-form), signed_by (KS1: the parent or carer).
 * Every bad line is reported; nothing is imported from a file with problems.
 */
export function parseAckImport(text: string, today: string): { rows: AckImportRow[]; problems: string[] } {
  const { header, records, lines } = parseCsvRecords(text);
  const problems: string[] = [];
  for (const required of ['person_id', 'name', 'audience', 'acknowledged_on', 'method']) {
    if (!header.includes(required)) problems.push(`the header has no "${required}" column`);
  }
  if (problems.length) return { rows: [], problems };
  const rows: AckImportRow[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const line = lines[i]!;
    const bad = (msg: string) => problems.push(`line ${line}: ${msg}`);
    const personId = toPersonId(r.person_id ?? '');
    if (!personId) return bad('person_id is empty');
    if (!r.name) return bad('name is empty');
    if (r.name.length > 200) return bad('name is over 200 characters');
    if (!isAudience(r.audience ?? '')) return bad(`unknown audience "${(r.audience ?? '').slice(0, 40)}"`);
    const date = r.acknowledged_on ?? '';
    if (!isCalendarDate(date)) return bad('acknowledged_on must be YYYY-MM-DD');
    if (date > today) return bad('acknowledged_on is in the future');
    const method = (r.method ?? '').toLowerCase();
    if (method !== 'paper' && method !== 'online-form') return bad('method must be paper or online-form');
    let versionNumber: number | undefined;
    if (r.version) {
      versionNumber = Number(r.version);
      if (!Number.isInteger(versionNumber) || versionNumber < 1) return bad('version must be a whole number (or empty for the latest)');
    }
    if (r.audience === 'pupils-ks1' && !r.signed_by) return bad('a KS1 pupil\'s acknowledgement needs signed_by (the parent or carer who signed)');
    const key = `${personId}|${r.audience}|${versionNumber ?? 'latest'}`;
    if (seen.has(key)) return bad('the same person, audience and version appear twice');
    seen.add(key);
    rows.push({ line, personId, displayName: r.name, audience: r.audience as Audience, versionNumber, acknowledgedOn: date, method, signedBy: r.signed_by || undefined, email: r.email || undefined });
  });
  return { rows, problems };
}

/** Entra object ids stay as they are; any other reference becomes `ext:<ref>` (no Teams account). */
export function toPersonId(raw: string): string {
  const v = raw.trim();
  if (!v) return '';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return v.toLowerCase();
  return v.startsWith('ext:') ? v : `ext:${v}`;
}

/**
 * Reads an audience CSV: person_id (or aad_object_id), name, email (optional). The same
 * shape as a group export, for schools that keep volunteers or pupils outside Entra groups.
 */
export function parseAudienceCsv(text: string): { members: AudienceMember[]; problems: string[] } {
  const { header, records, lines } = parseCsvRecords(text);
  const idColumn = header.includes('aad_object_id') ? 'aad_object_id' : header.includes('person_id') ? 'person_id' : undefined;
  if (!idColumn || !header.includes('name')) return { members: [], problems: ['the header needs person_id (or aad_object_id) and name columns'] };
  const problems: string[] = [];
  const members = new Map<string, AudienceMember>();
  records.forEach((r, i) => {
    const personId = toPersonId(r[idColumn] ?? '');
    if (!personId || !r.name) {
      problems.push(`line ${lines[i]}: ${!personId ? idColumn : 'name'} is empty`);
      return;
    }
    members.set(personId, { personId, ...(personId.startsWith('ext:') ? {} : { aadObjectId: personId }), displayName: r.name.slice(0, 200), ...(r.email ? { email: r.email } : {}) });
  });
  return { members: [...members.values()], problems };
}

