import { foldToBaseLetters } from '../domain/text';

/**
 * A minimal PDF writer for plain text documents (a pupil's safeguarding file for transfer):
 * A4 pages, Helvetica (one of the PDF standard fonts, so nothing is embedded), headings in bold,
 * lines wrapped to the page, page numbers. No dependency: the format needed is small and fixed.
 */
export interface PdfLine {
  text: string;
  style?: 'title' | 'heading' | 'body' | 'small';
}

const PAGE = { width: 595, height: 842, margin: 50 };
const STYLE = {
  title: { font: 'F2', size: 16, leading: 22 },
  heading: { font: 'F2', size: 11, leading: 17 },
  body: { font: 'F1', size: 10, leading: 13 },
  small: { font: 'F1', size: 8, leading: 11 },
} as const;

// WinAnsi's bytes 0x80–0x9F (the rest of it is Latin-1): punctuation people type and letters such as Š, ž, Œ.
const WIN_ANSI: Record<string, number> = {
  '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
  '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};

function encodeChar(ch: string): number | undefined {
  const code = ch.codePointAt(0)!;
  if (WIN_ANSI[ch] !== undefined) return WIN_ANSI[ch];
  if (code >= 0x20 && code <= 0xff && !(code >= 0x7f && code < 0xa0)) return code;
  if (ch === '\t') return 0x20;
  return undefined;
}

function encode(text: string): number[] {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const direct = encodeChar(ch);
    if (direct !== undefined) {
      out.push(direct);
      continue;
    }
    // A letter the standard fonts cannot show (ś, ř, ı, Ł in a pupil's name): its base letter, not "?".
    const base = foldToBaseLetters(ch);
    const bytes = base && base !== ch ? [...base].map(encodeChar) : [undefined];
    if (bytes.every((b) => b !== undefined)) out.push(...(bytes as number[]));
    else out.push(0x3f);
  }
  return out;
}

/** A PDF string literal, bytes escaped. */
function literal(text: string): string {
  return `(${encode(text)
    .map((b) => (b === 0x28 || b === 0x29 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b < 0x80 ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`))
    .join('')})`;
}

/** Splits on newlines and wraps at roughly the page width for the style's size (Helvetica averages ~0.5 em). */
function wrap(text: string, size: number): string[] {
  const max = Math.floor((PAGE.width - 2 * PAGE.margin) / (size * 0.5));
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if (!word) continue;
      const chunks = word.length > max ? word.match(new RegExp(`.{1,${max}}`, 'g'))! : [word];
      for (const chunk of chunks) {
        if (line && line.length + 1 + chunk.length > max) {
          lines.push(line);
          line = chunk;
        } else line = line ? `${line} ${chunk}` : chunk;
      }
    }
    lines.push(line);
  }
  return lines;
}

export function renderPdf(lines: readonly PdfLine[], footer: string): Buffer {
  const pages: string[][] = [[]];
  let y = PAGE.height - PAGE.margin;
  for (const line of lines) {
    const style = STYLE[line.style ?? 'body'];
    if (line.style === 'heading' && y < PAGE.margin + 80) y = 0; // keep a heading with what follows it
    for (const text of wrap(line.text, style.size)) {
      if (y - style.leading < PAGE.margin + 20) {
        pages.push([]);
        y = PAGE.height - PAGE.margin;
      }
      y -= style.leading;
      pages[pages.length - 1]!.push(`BT /${style.font} ${style.size} Tf ${PAGE.margin} ${y} Td ${literal(text)} Tj ET`);
    }
  }
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) - 1 + 1; // object numbers start at 1
  const catalog = add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // the page tree, filled in below
  const regular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  pages.forEach((ops, i) => {
    const foot = `BT /F1 8 Tf ${PAGE.margin} 30 Td ${literal(`${footer} — page ${i + 1} of ${pages.length}`)} Tj ET`;
    const stream = [...ops, foot].join('\n');
    const content = add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R >> >> /Contents ${content} 0 R >>`));
  });
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
