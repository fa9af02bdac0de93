import { buildXlsx } from '../../../test/integration/sharing-audit-xlsx';
import { combineEvidence, contentEvidence, contentKindOf, findNameKeywords, nameEvidence, readXlsxStrings } from './evidence';
import { PupilNameIndex } from './pupil-names';

const roster = new PupilNameIndex([
  { id: 'p1', givenName: 'Amelia', familyName: 'Okonkwo' },
  { id: 'p2', givenName: 'Zoë', familyName: 'Clarke' },
]);
const kinds = (reasons: Array<{ kind: string }>) => reasons.map((r) => r.kind);

describe('findNameKeywords', () => {
  it.each([
    ['SEN register 2026.xlsx', ['SEN register', 'SEN']],
    ['EHCP review - Y4.docx', ['EHCP']],
    ['Safeguarding log.docx', ['safeguarding']],
    ['medical-needs.pdf', ['medical']],
    ['PupilPremium_2026.xlsx', ['pupil premium']],
    ['FSM list.csv', ['FSM']],
    ['Class list 5B.xlsx', ['class list']],
    ['Emergency contacts.xlsx', ['contacts']],
    ['pupils DOB.csv', ['DOB']],
    ['UPNs.txt', ['UPN']],
    ['Looked after children.docx', ['looked after']],
    // Whole tokens only: "present", "sentence", "Update" contain keywords but are not them.
    ['present sentence Update.pptx', []],
    // Acronyms that are ordinary words count only in capitals.
    ['Send to parents.docx', []],
    ['SEND support plan.docx', ['SEND']],
    ['Sen register.xlsx', ['SEN register']],
    ['CLA review.docx', ['looked after']],
    ['la cla ssroom.docx', []],
    ['Holiday photos.jpg', []],
  ])('%s → %j', (name, expected) => expect(findNameKeywords(name)).toEqual(expected));
});

describe('nameEvidence', () => {
  it.each([
    ['a pupil in a document name', { name: 'OKONKWO Amelia report.docx', isFolder: false }, ['roster-name']],
    ['a pupil with diacritics dropped', { name: 'zoe.clarke.pdf', isFolder: false }, ['roster-name']],
    ['an image named with a pupil', { name: 'Amelia_Okonkwo.JPG', isFolder: false }, ['roster-name', 'image-named-pupil']],
    ['an image by MIME type', { name: 'amelia okonkwo', isFolder: false, mimeType: 'image/heic' }, ['roster-name', 'image-named-pupil']],
    ['a folder named after a pupil is not an image', { name: 'Amelia Okonkwo', isFolder: true }, ['roster-name']],
    ['a keyword and a pupil', { name: 'Amelia Okonkwo EHCP.docx', isFolder: false }, ['roster-name', 'keyword']],
    ['nothing', { name: 'Lesson plan.docx', isFolder: false }, []],
  ])('%s', (_label, item, expected) => {
    expect(kinds(nameEvidence(item, roster))).toEqual(expected);
  });

  it('never quotes the pupil in the reason', () => {
    const [reason] = nameEvidence({ name: 'Amelia Okonkwo.docx', isFolder: false }, roster);
    expect(reason.reason).not.toMatch(/amelia|okonkwo/i);
  });

  it('works without a roster', () => {
    expect(kinds(nameEvidence({ name: 'Amelia Okonkwo EHCP.docx', isFolder: false }, null))).toEqual(['keyword']);
  });
});

describe('contentKindOf', () => {
  it.each([
    ['a.csv', undefined, 'csv'],
    ['a.CSV', undefined, 'csv'],
    ['a.txt', undefined, 'txt'],
    ['a.tsv', undefined, 'txt'],
    ['a.xlsx', undefined, 'xlsx'],
    ['export', 'text/csv', 'csv'],
    ['a.docx', undefined, null],
    ['a.xls', undefined, null],
  ])('%s (%s) → %s', (name, mime, expected) => expect(contentKindOf(name, mime)).toBe(expected));
});

describe('contentEvidence', () => {
  const csv = (text: string) => Buffer.from(text, 'utf8');
  it.each([
    ['SIMS export with headers and UPNs', 'csv', csv('UPN,Legal Surname,Legal Forename,DOB,Reg Group\nA123456789012,Okonkwo,Amelia,2016-03-01,4B\n'), ['mis-header', 'upn']],
    ['headers only', 'csv', csv('"Legal Surname","Legal Forename","NC Year"\n'), ['mis-header']],
    ['two weak headers are enough', 'csv', csv('Reg Group;SEN;Notes\n'), ['mis-header']],
    ['one weak header is not', 'csv', csv('Year,Topic\n3,Romans\n'), []],
    ['valid UPN in plain text', 'txt', csv('Ref for P820200112001 attached'), ['upn']],
    ['UPN look-alikes failing the check are ignored', 'txt', csv('Order B123456789012 and Q820200112001'), []],
    ['UTF-16 with BOM (Excel "Unicode text")', 'txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('UPN\tSurname\r\nA123456789012\tOkonkwo\r\n', 'utf16le')]), ['mis-header', 'upn']],
    ['tab-separated headers', 'txt', csv('Forename\tSurname\tDate of Birth\n'), ['mis-header']],
    ['a lesson plan', 'txt', csv('Lesson 1: fractions\nLesson 2: decimals'), []],
  ])('%s', (_label, kind, bytes, expected) => {
    expect(kinds(contentEvidence(kind as 'csv' | 'txt', bytes))).toEqual(expected);
  });

  it('only reads the first 64 KB', () => {
    const bytes = Buffer.concat([Buffer.alloc(70 * 1024, 'x'), csv('\nA123456789012\n')]);
    expect(contentEvidence('txt', bytes)).toEqual([]);
  });

  it('reads cell text from an XLSX: headers and UPNs', () => {
    const xlsx = buildXlsx([
      ['UPN', 'Legal Surname', 'Legal Forename', 'FSM'],
      ['A123456789012', 'Okonkwo', 'Amelia', 'Y'],
    ]);
    expect(kinds(contentEvidence('xlsx', xlsx))).toEqual(['mis-header', 'upn']);
  });

  it('reads an XLSX written with data descriptors (sizes after the data)', () => {
    const xlsx = buildXlsx([['Legal Surname', 'DOB'], ['Okonkwo', '2016-03-01']], { descriptor: true });
    expect(readXlsxStrings(xlsx)).toMatchObject({ sharedStringsFound: true, strings: ['Legal Surname', 'DOB', 'Okonkwo', '2016-03-01'] });
  });

  it('reads a truncated XLSX as far as the sample goes', () => {
    const rows = [['UPN', 'Legal Surname'], ...Array.from({ length: 12_000 }, (_, i) => [`A123456789012`, `Surname${(i * 7919) % 100_003}-${((i * 104_729) % 1_000_003).toString(36)}`])];
    const xlsx = buildXlsx(rows);
    expect(xlsx.length).toBeGreaterThan(64 * 1024);
    expect(kinds(contentEvidence('xlsx', xlsx.subarray(0, 64 * 1024)))).toContain('mis-header');
  });

  it('says so when the shared strings lie beyond the first 64 KB', () => {
    const xlsx = buildXlsx([['UPN', 'Legal Surname']], { padBeforeSharedStrings: 80 * 1024 });
    expect(kinds(contentEvidence('xlsx', xlsx.subarray(0, 64 * 1024)))).toEqual(['content-not-inspected']);
  });
});

describe('combineEvidence', () => {
  it('is likely on any real evidence, not on a note', () => {
    expect(combineEvidence([], []).likely).toBe(false);
    expect(combineEvidence([{ kind: 'content-not-inspected', reason: 'x' }]).likely).toBe(false);
    expect(combineEvidence([{ kind: 'keyword', reason: 'x' }], [{ kind: 'upn', reason: 'y' }])).toEqual({
      likely: true,
      reasons: [{ kind: 'keyword', reason: 'x' }, { kind: 'upn', reason: 'y' }],
    });
  });
});
