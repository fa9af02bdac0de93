import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { type PupilNameIndex, tokeniseKeepingCase, tokeniseName } from './pupil-names';
import type { EvidenceReason, PupilDataEvidence } from './types';
import { findUpns } from './upn';

/**
 * Evidence that an item holds pupil data, cheapest first: its name (roster names and
 * keywords: free), then — for exposed CSV/XLSX/TXT files only — the first 64 KB of content.
 * Each piece of evidence carries a reason an admin can read; reasons never quote a pupil's
 * name or UPN, so reports and logs do not spread the data they warn about.
 */

/** How much content the audit ever reads from a file. */
export const CONTENT_SAMPLE_BYTES = 64 * 1024;

// Keywords in file and folder names, as normalised token sequences, with the label shown.
const NAME_KEYWORDS: ReadonlyArray<[string, string]> = [
  ['sen register', 'SEN register'],
  ['send register', 'SEND register'],
  ['sen', 'SEN'],
  ['send', 'SEND'],
  ['ehcp', 'EHCP'],
  ['education health and care plan', 'EHCP'],
  ['education health care plan', 'EHCP'],
  ['iep', 'IEP'],
  ['pupil passport', 'pupil passport'],
  ['safeguarding', 'safeguarding'],
  ['child protection', 'child protection'],
  ['cpoms', 'CPOMS'],
  ['medical', 'medical'],
  ['allergies', 'allergies'],
  ['allergy', 'allergies'],
  ['medication', 'medical'],
  ['pupil premium', 'pupil premium'],
  ['fsm', 'FSM'],
  ['free school meals', 'FSM'],
  ['class list', 'class list'],
  ['class lists', 'class list'],
  ['contacts', 'contacts'],
  ['contact details', 'contacts'],
  ['emergency contacts', 'contacts'],
  ['dob', 'DOB'],
  ['dobs', 'DOB'],
  ['date of birth', 'DOB'],
  ['dates of birth', 'DOB'],
  ['upn', 'UPN'],
  ['upns', 'UPN'],
  ['looked after', 'looked after'],
  ['cla', 'looked after'],
  ['lac', 'looked after'],
  ['behaviour log', 'behaviour log'],
  ['attendance', 'attendance'],
  ['mis export', 'MIS export'],
  ['sims export', 'MIS export'],
  ['arbor export', 'MIS export'],
];

// MIS export headers (SIMS, Arbor, Bromcom…), normalised, with the label shown.
const MIS_HEADERS = new Map<string, string>([
  ['upn', 'UPN'],
  ['former upn', 'Former UPN'],
  ['uln', 'ULN'],
  ['legal surname', 'Legal Surname'],
  ['legal forename', 'Legal Forename'],
  ['preferred surname', 'Preferred Surname'],
  ['preferred forename', 'Preferred Forename'],
  ['surname', 'Surname'],
  ['forename', 'Forename'],
  ['dob', 'DOB'],
  ['date of birth', 'Date of Birth'],
  ['nc year', 'NC Year'],
  ['year', 'Year'],
  ['year group', 'Year'],
  ['reg group', 'Reg Group'],
  ['registration group', 'Reg Group'],
  ['sen', 'SEN'],
  ['sen status', 'SEN'],
  ['sen provision', 'SEN'],
  ['send', 'SEN'],
  ['ehcp', 'EHCP'],
  ['fsm', 'FSM'],
  ['fsm eligible', 'FSM'],
  ['ever 6 fsm', 'FSM'],
  ['pupil premium', 'Pupil Premium'],
  ['pp', 'Pupil Premium'],
  ['eal', 'EAL'],
  ['looked after', 'Looked After'],
  ['in care', 'Looked After'],
  ['cla', 'Looked After'],
  ['gender', 'Gender'],
  ['adno', 'Admission Number'],
  ['admission number', 'Admission Number'],
]);
// Any one of these is enough on its own; weaker headers ("Year", "Gender") need company.
const IDENTIFYING_HEADERS = new Set(['UPN', 'Former UPN', 'ULN', 'Legal Surname', 'Legal Forename', 'DOB', 'Date of Birth']);

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'gif', 'heic', 'heif', 'bmp', 'tif', 'tiff', 'webp']);

export type ContentKind = 'csv' | 'txt' | 'xlsx';

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Which files' content is worth 1 RU to read: CSV, TSV/TXT and XLSX only. */
export function contentKindOf(name: string, mimeType?: string | null): ContentKind | null {
  const ext = extensionOf(name);
  if (ext === 'csv' || mimeType === 'text/csv') return 'csv';
  if (ext === 'txt' || ext === 'tsv' || mimeType === 'text/plain' || mimeType === 'text/tab-separated-values') return 'txt';
  if (ext === 'xlsx' || mimeType === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') return 'xlsx';
  return null;
}

export function isImage(name: string, mimeType?: string | null): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(name)) || (mimeType ?? '').startsWith('image/');
}

function containsSequence(tokens: string[], sequence: string[]): boolean {
  outer: for (let i = 0; i + sequence.length <= tokens.length; i += 1) {
    for (let k = 0; k < sequence.length; k += 1) if (tokens[i + k] !== sequence[k]) continue outer;
    return true;
  }
  return false;
}

const KEYWORD_SEQUENCES = NAME_KEYWORDS.map(([phrase, label]) => [phrase.split(' '), label] as const);
// Acronyms that are also ordinary words ("Send to parents", "lac" in French, "Sen" a name):
// alone, they count only when written in capitals.
const CAPITALS_ONLY = new Set(['sen', 'send', 'cla', 'lac']);

/** Keyword labels found in a name (distinct, in list order). */
export function findNameKeywords(name: string): string[] {
  const original = tokeniseKeepingCase(name);
  const tokens = original.map((t) => t.toLowerCase());
  const labels = new Set<string>();
  for (const [sequence, label] of KEYWORD_SEQUENCES) {
    if (sequence.length === 1 && CAPITALS_ONLY.has(sequence[0])) {
      if (original.some((t) => t.toLowerCase() === sequence[0] && t === t.toUpperCase())) labels.add(label);
    } else if (containsSequence(tokens, sequence)) labels.add(label);
  }
  return [...labels];
}

/** Free evidence from an item's name: roster pupils' full names, keywords, images named after pupils. */
export function nameEvidence(item: { name: string; isFolder: boolean; mimeType?: string | null }, roster: PupilNameIndex | null): EvidenceReason[] {
  const reasons: EvidenceReason[] = [];
  const pupils = roster ? roster.findPupils(item.name).length : 0;
  if (pupils > 0) {
    const what = item.isFolder ? 'Folder' : 'File';
    reasons.push({ kind: 'roster-name', reason: `${what} name contains ${pupils === 1 ? "a pupil's full name" : `${pupils} pupils' full names`} (roster)` });
    if (!item.isFolder && isImage(item.name, item.mimeType)) {
      reasons.push({ kind: 'image-named-pupil', reason: "Image file named with a pupil's full name (policy forbids it)" });
    }
  }
  const keywords = findNameKeywords(item.name);
  if (keywords.length > 0) reasons.push({ kind: 'keyword', reason: `Name mentions ${keywords.join(', ')}` });
  return reasons;
}

/** Text of the sample: UTF-8, or UTF-16 when it starts with a byte-order mark. */
export function decodeSample(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, CONTENT_SAMPLE_BYTES));
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  return buffer.toString('utf8').replace(/^\uFEFF/, '');
}

/** MIS headers found in the best line of a delimited sample (the header row, usually the first). */
export function findMisHeaders(cells: readonly string[]): string[] {
  const labels = new Set<string>();
  for (const cell of cells) {
    const label = MIS_HEADERS.get(tokeniseName(cell).join(' '));
    if (label) labels.add(label);
  }
  return [...labels];
}

function bestHeaderRow(text: string): string[] {
  let best: string[] = [];
  for (const line of text.split(/\r?\n/).slice(0, 200)) {
    const headers = findMisHeaders(line.split(/[,\t;|]/).map((c) => c.trim().replace(/^"|"$/g, '')));
    if (headers.length > best.length) best = headers;
  }
  return best;
}

function headerEvidence(headers: string[]): EvidenceReason[] {
  const strong = headers.some((h) => IDENTIFYING_HEADERS.has(h));
  if (!strong && headers.length < 2) return [];
  return [{ kind: 'mis-header', reason: `MIS-style column headers: ${headers.join(', ')}` }];
}

function upnEvidence(text: string): EvidenceReason[] {
  const { valid } = findUpns(text);
  if (valid.length === 0) return [];
  return [{ kind: 'upn', reason: `${valid.length} valid Unique Pupil Number${valid.length === 1 ? '' : 's'} (check letter verified)` }];
}

export interface XlsxStrings {
  /** Strings from shared strings and inline cells found in the sample. */
  strings: string[];
  /** Whether `xl/sharedStrings.xml` started inside the sample. */
  sharedStringsFound: boolean;
}

const LOCAL_FILE_HEADER = 0x04034b50;

function xmlText(xml: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)<\/(?:\w+:)?t>/g)) {
    out.push(m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
  }
  return out;
}

/**
 * Reads strings from the zip entries that start inside the first 64 KB of an XLSX file.
 * Local file headers are found by their signature, so entries written with a data
 * descriptor (sizes unknown up front) work; a truncated entry is inflated as far as the
 * sample goes (Z_SYNC_FLUSH returns what was decoded instead of failing).
 */
export function readXlsxStrings(bytes: Uint8Array): XlsxStrings {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings: string[] = [];
  let sharedStringsFound = false;
  let offset = buffer.indexOf('PK\x03\x04', 0, 'latin1');
  while (offset >= 0 && offset + 30 <= buffer.length) {
    if (buffer.readUInt32LE(offset) !== LOCAL_FILE_HEADER) break;
    const method = buffer.readUInt16LE(offset + 8);
    const compressedSize = buffer.readUInt32LE(offset + 18);
    const nameLength = buffer.readUInt16LE(offset + 26);
    const extraLength = buffer.readUInt16LE(offset + 28);
    const name = buffer.toString('utf8', offset + 30, offset + 30 + nameLength);
    const dataStart = offset + 30 + nameLength + extraLength;
    const next = buffer.indexOf('PK\x03\x04', dataStart, 'latin1');
    const dataEnd = compressedSize > 0 ? Math.min(dataStart + compressedSize, buffer.length) : next >= 0 ? next : buffer.length;
    const wanted = name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/sheet\d+\.xml$/.test(name);
    if (wanted && dataStart < buffer.length) {
      if (name === 'xl/sharedStrings.xml') sharedStringsFound = true;
      const data = buffer.subarray(dataStart, dataEnd);
      let xml = '';
      try {
        xml = method === 8 ? inflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8') : method === 0 ? data.toString('utf8') : '';
      } catch {
        xml = '';
      }
      strings.push(...xmlText(xml));
    }
    offset = compressedSize > 0 ? buffer.indexOf('PK\x03\x04', dataStart + compressedSize, 'latin1') : next;
  }
  return { strings, sharedStringsFound };
}

/** Evidence from the first 64 KB of an exposed CSV, TXT or XLSX file. */
export function contentEvidence(kind: ContentKind, bytes: Uint8Array): EvidenceReason[] {
  const sample = bytes.subarray(0, CONTENT_SAMPLE_BYTES);
  if (kind === 'xlsx') {
    const { strings, sharedStringsFound } = readXlsxStrings(sample);
    const reasons = [...headerEvidence(findMisHeaders(strings)), ...upnEvidence(strings.join('\n'))];
    if (reasons.length === 0 && !sharedStringsFound) {
      reasons.push({ kind: 'content-not-inspected', reason: 'XLSX shared strings are not in the first 64 KB: cell text not inspected' });
    }
    return reasons;
  }
  const text = decodeSample(sample);
  return [...headerEvidence(bestHeaderRow(text)), ...upnEvidence(text)];
}

/** Puts the reasons together; "likely" rests on any reason except a note that content was not read. */
export function combineEvidence(...groups: ReadonlyArray<readonly EvidenceReason[]>): PupilDataEvidence {
  const reasons = groups.flat();
  return { likely: reasons.some((r) => r.kind !== 'content-not-inspected'), reasons };
}
