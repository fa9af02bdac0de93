// Realistic UK-school vocabulary for generated tenants: pupil and staff names (with the
// diacritics and apostrophes real registers contain), folder and file names of the kinds the
// sharing audit must recognise (class lists, SEN registers, photos named after pupils), and
// MIS-style CSV exports carrying Unique Pupil Numbers with valid and invalid check letters.
import { hash3, pick } from './prng';

export const FIRST_NAMES = [
  'Amelia', 'Oliver', 'Zoë', 'Chloé', 'Oisín', 'Siobhán', 'Mohammed', 'Aleksander', 'Łukasz', 'José',
  'Noémie', 'Renée', 'Björn', 'Aaliyah', 'Muhammad', 'Isla', 'Freya', 'Jakub', 'Maëlle', 'Seán',
  'Niamh', 'Ayşe', 'Zainab', 'Kacper', 'Ffion', 'Rhiannon', 'Dafydd', 'Chidi', 'Adébáyọ̀', 'Priya',
  'Grace', 'Harry', 'Leo', 'Ava', 'Ellie', 'Théo', 'Jürgen', 'Ana-María', 'Nuñez', 'Emily',
] as const;

export const SURNAMES = [
  'Okonkwo', 'Nowak', 'Núñez', "O'Brien", 'Smith', 'Kowalczyk', 'Brontë', 'Jones', 'Patel', 'Khan',
  'Wiśniewski', 'Müller', 'García', 'Ó Súilleabháin', 'Williams', 'Ahmed', 'Dvořák', 'Taylor', 'Evans',
  'Nguyễn', 'Hughes', 'Begum', 'Davies', 'Lefèvre', 'Adeyemi', 'Mac Giolla', 'Øster', 'Thomas', 'Ali', 'Fernández',
] as const;

export const FOLDER_NAMES = [
  'Year 7', 'Year 8', 'Class 4B', 'Class 6A', 'Planning', 'Trips 2025', 'Photos', 'SEN', 'Safeguarding',
  'Pupil records', 'Admin', 'Homework', 'Reports', 'Parents evening', 'Sports day', 'Governors', 'Shared with parents',
] as const;

/** File kinds; the generator stores only the kind number per item. */
export const enum FileKind {
  LessonPlan = 0,
  ClassList = 1,
  SenRegister = 2,
  MisExport = 3,
  PupilPhoto = 4,
  CameraPhoto = 5,
  PupilReport = 6,
  Notes = 7,
  Policy = 8,
  Contacts = 9,
  MedicalNeeds = 10,
  LookalikeCsv = 11,
}
export const FILE_KIND_COUNT = 12;
/** Relative frequency of each kind (same order as FileKind): mostly harmless files. */
export const FILE_KIND_WEIGHTS = [30, 6, 2, 3, 5, 20, 6, 12, 8, 3, 2, 3];

export interface PersonName {
  givenName: string;
  surname: string;
}

export function personName(seed: number, index: number, salt: number): PersonName {
  return {
    givenName: pick(FIRST_NAMES, hash3(seed, index, salt)),
    surname: pick(SURNAMES, hash3(seed, index, salt + 1)),
  };
}

/** The ways school staff actually write a pupil's name in a file name. */
export function nameVariant(name: PersonName, h: number): string {
  const ascii = (s: string) => s.toLowerCase().replace(/[^a-z\u00c0-\u024f\u1e00-\u1eff]+/giu, '');
  switch (h % 5) {
    case 0:
      return `${name.givenName} ${name.surname}`;
    case 1:
      return `${name.surname.toUpperCase()} ${name.givenName}`;
    case 2:
      return `${ascii(name.givenName)}.${ascii(name.surname)}`;
    case 3:
      return `${name.surname}, ${name.givenName}`;
    default:
      return `${name.givenName}_${name.surname}`.replace(/\s+/gu, '_');
  }
}

const MIME: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  txt: 'text/plain',
  jpg: 'image/jpeg',
  pdf: 'application/pdf',
};

export function mimeTypeFor(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return MIME[ext] ?? 'application/octet-stream';
}

/** A file name for a kind; `pupil` is the pupil the file is about (for kinds that name one). */
export function fileName(kind: number, h: number, pupil: PersonName): string {
  const year = 7 + (h % 5);
  const cls = `${3 + (h % 4)}${'ABC'[h % 3]}`;
  switch (kind as FileKind) {
    case FileKind.LessonPlan:
      return `Lesson plan week ${1 + (h % 12)} (${h % 1000}).docx`;
    case FileKind.ClassList:
      return `Class list ${cls} ${2024 + (h % 3)}.xlsx`;
    case FileKind.SenRegister:
      return `SEN register ${2024 + (h % 3)}-${25 + (h % 3)}.xlsx`;
    case FileKind.MisExport:
      return `Year ${year} pupils export ${h % 100}.csv`;
    case FileKind.PupilPhoto:
      return `${nameVariant(pupil, h >>> 3)} sports day.jpg`;
    case FileKind.CameraPhoto:
      return `IMG_${1000 + (h % 9000)}.jpg`;
    case FileKind.PupilReport:
      return `${nameVariant(pupil, h >>> 3)} - ${pick(['EHCP review', 'end of year report', 'reading record'], h >>> 7)}.docx`;
    case FileKind.Notes:
      return `notes ${h % 10000}.txt`;
    case FileKind.Policy:
      return `${pick(['Behaviour policy', 'Uniform policy', 'Trip letter', 'Newsletter'], h)} ${h % 100}.pdf`;
    case FileKind.Contacts:
      return `Pupil contacts ${cls}.csv`;
    case FileKind.MedicalNeeds:
      return `Medical needs ${cls}.xlsx`;
    default:
      return `stock codes ${h % 1000}.csv`;
  }
}

const UPN_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** A UK Unique Pupil Number whose check letter is right (or, with `valid=false`, wrong). */
export function makeUpn(h: number, valid = true): string {
  const la = String(200 + (h % 700)).padStart(3, '0');
  const est = String(2000 + ((h >>> 4) % 7000)).padStart(4, '0');
  const yr = String(10 + ((h >>> 8) % 15)).padStart(2, '0');
  const serial = String((h >>> 12) % 1000).padStart(3, '0');
  const body = `${la}${est}${yr}${serial}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 2) * Number(body[i]);
  const right = sum % 23;
  const letter = UPN_ALPHABET[valid ? right : (right + 1 + (h % 22)) % 23];
  return `${letter}${body}`;
}

/** First bytes of a file: MIS exports and contact lists carry pupil data; look-alikes don't. */
export function fileContent(kind: number, h: number, pupils: (n: number) => PersonName, bytes: number): Buffer {
  let text: string;
  if (kind === FileKind.MisExport || kind === FileKind.Contacts) {
    const rows = ['UPN,Legal Surname,Legal Forename,DOB,Year,Reg Group,SEN,FSM'];
    let length = rows[0]!.length;
    for (let r = 0; length < bytes; r++) {
      const p = pupils(hash3(h, r) % 100000);
      const row = `${makeUpn(hash3(h, r, 1))},${p.surname},${p.givenName},2014-0${1 + (r % 9)}-1${r % 9},${7 + (r % 5)},7${'ABC'[r % 3]},${r % 7 === 0 ? 'K' : 'N'},${r % 4 === 0 ? 'Y' : 'N'}`;
      rows.push(row);
      length += row.length + 1;
      if (r > 2000) break;
    }
    text = rows.join('\n');
  } else if (kind === FileKind.LookalikeCsv) {
    const rows = ['Code,Item,Qty'];
    for (let r = 0; r < 50; r++) rows.push(`${makeUpn(hash3(h, r, 2), false)},Exercise books,${r}`);
    text = rows.join('\n');
  } else if (kind === FileKind.Notes) {
    text = `Meeting notes ${h}. Nothing about pupils here.\n`.repeat(20);
  } else {
    text = `binary-${kind}-${h}`;
  }
  const buf = Buffer.from(text, 'utf8');
  return buf.length > bytes ? buf.subarray(0, bytes) : buf;
}
