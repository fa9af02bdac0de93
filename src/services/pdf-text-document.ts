import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { parseTrueType, type TrueTypeFont } from './truetype';
import { hasRightToLeft, layoutLine } from './pdf-text-shaping';

/**
 * A minimal PDF writer for plain text documents (a pupil's safeguarding file for transfer):
 * A4 pages, headings in bold, lines wrapped to the page, page numbers.
 *
 * Text is shown exactly as written, in any script the embedded font covers: DejaVu Sans and
 * DejaVu Sans Bold (npm package dejavu-fonts-ttf, read from node_modules at run time; their
 * licence allows embedding) cover Latin with every European diacritic, Greek, Cyrillic, Armenian,
 * Georgian, Hebrew and most of Arabic. Each font is embedded as a subset (only the glyphs used)
 * in a CIDFontType2 font with Identity-H encoding, and its ToUnicode map gives back the
 * characters as written, so text copied or searched in the PDF is the original text.
 * Right-to-left text is put in display order and Arabic letters are joined (pdf-text-shaping.ts).
 *
 * A character neither font has (Chinese, Bengali, Devanagari, most emoji…) is drawn as the
 * replacement character � but still copies as itself, and the document ends with a section
 * listing such characters, so nothing disappears silently.
 */
export interface PdfLine {
  text: string;
  style?: 'title' | 'heading' | 'body' | 'small';
}

export interface PdfOptions {
  /** Said after the list of characters the PDF could not show, e.g. where the exact text is kept. */
  unshownNote?: string;
}

type Face = 'regular' | 'bold';
const PAGE = { width: 595, height: 842, margin: 50 };
const STYLE: Record<NonNullable<PdfLine['style']>, { face: Face; size: number; leading: number }> = {
  title: { face: 'bold', size: 16, leading: 22 },
  heading: { face: 'bold', size: 11, leading: 17 },
  body: { face: 'regular', size: 10, leading: 13 },
  small: { face: 'regular', size: 8, leading: 11 },
};
const FOOTER = { face: 'regular' as Face, size: 8 };
const REPLACEMENT = '\uFFFD';
const MAX_LISTED = 40;

const FONT_FILES: Record<Face, string> = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' };
let loaded: Record<Face, TrueTypeFont> | undefined;
function fonts(): Record<Face, TrueTypeFont> {
  loaded ??= {
    regular: parseTrueType(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FONT_FILES.regular}`))),
    bold: parseTrueType(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FONT_FILES.bold}`))),
  };
  return loaded;
}

/** The faces to try for a character, in order: a bold heading falls back to the regular face for a letter the bold one lacks. */
const CHAIN: Record<Face, Face[]> = { regular: ['regular', 'bold'], bold: ['bold', 'regular'] };

function faceFor(face: Face, ch: string): Face | undefined {
  const code = ch.codePointAt(0)!;
  return CHAIN[face].find((f) => fonts()[f].glyphOf(code) !== 0);
}

/** Characters that need no glyph: whitespace and controls (shown as spaces or not at all). */
function needsNoGlyph(ch: string): boolean {
  return /[\p{Cc}\p{Zl}\p{Zp}]/u.test(ch);
}
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** One glyph to draw: from which face, which glyph, and the text it stands for (for ToUnicode). */
interface Piece {
  face: Face;
  glyph: number;
  text: string;
  width: number; // in thousandths of the font size
}

/** The glyph that draws a character: from the first face in the chain that has it, else the replacement character's. */
function glyphFor(ch: string, face: Face): { face: Face; glyph: number; width: number } | undefined {
  const found = faceFor(face, ch);
  if (!found && INVISIBLE.test(ch)) return undefined;
  const use = found ?? faceFor(face, REPLACEMENT)!;
  const font = fonts()[use];
  const glyph = font.glyphOf((found ? ch : REPLACEMENT).codePointAt(0)!);
  return { face: use, glyph, width: (font.advance(glyph) * 1000) / font.unitsPerEm };
}

/**
 * A cluster's glyphs, each with the text it stands for: its own character, or for a joined Arabic
 * form or a lam-alef ligature the letters as written. A character no face has is drawn as the
 * replacement character but still stands for itself; an invisible one no face has (a joiner, a
 * variation selector) is not drawn and goes with the glyph before it.
 */
function piecesOf(shown: string, text: string, face: Face): Piece[] {
  const drawn = [...shown];
  const written = [...text];
  const out: Piece[] = [];
  drawn.forEach((ch, i) => {
    const meaning = i === 0 ? written.slice(0, written.length - drawn.length + 1).join('') : ch;
    const glyph = glyphFor(needsNoGlyph(ch) || ch === '\t' ? ' ' : ch, face);
    if (glyph) out.push({ ...glyph, text: meaning });
    else if (out.length) out[out.length - 1]!.text += meaning;
  });
  return out;
}

/** The characters of a text that no face in the chain can draw (and are not invisible). */
function unshown(text: string, face: Face): string[] {
  return [...text.normalize('NFC')].filter((ch) => !needsNoGlyph(ch) && ch !== '\t' && !INVISIBLE.test(ch) && !faceFor(face, ch));
}

/** Width of a text in points, for wrapping (each character's own glyph, before joining; joined forms are no wider). */
function measure(text: string, face: Face, size: number): number {
  let width = 0;
  for (const ch of text) width += ((glyphFor(ch, face)?.width ?? 0) * size) / 1000;
  return width;
}

/** Splits on newlines and wraps to the page width; a paragraph's leading spaces indent all its lines. */
function wrap(text: string, face: Face, size: number): { text: string; indent: number }[] {
  const lines: { text: string; indent: number }[] = [];
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const paragraph of text.normalize('NFC').split(/\r?\n/)) {
    const indent = Math.min(measure(/^[ \t]*/.exec(paragraph)![0].replace(/\t/g, '    '), face, size), 100);
    const max = PAGE.width - 2 * PAGE.margin - indent;
    const space = measure(' ', face, size);
    let line = '';
    let width = 0;
    for (const word of paragraph.split(/\s+/)) {
      if (!word) continue;
      // A word longer than a line is cut between characters (graphemes).
      const chunks: { text: string; width: number }[] = [];
      const whole = measure(word, face, size);
      if (whole <= max) chunks.push({ text: word, width: whole });
      else {
        let chunk = { text: '', width: 0 };
        for (const { segment } of segmenter.segment(word)) {
          const w = measure(segment, face, size);
          if (chunk.text && chunk.width + w > max) {
            chunks.push(chunk);
            chunk = { text: '', width: 0 };
          }
          chunk = { text: chunk.text + segment, width: chunk.width + w };
        }
        chunks.push(chunk);
      }
      for (const { text: c, width: w } of chunks) {
        if (line && width + space + w > max) {
          lines.push({ text: line, indent });
          line = c;
          width = w;
        } else {
          width = line ? width + space + w : w;
          line = line ? `${line} ${c}` : c;
        }
      }
    }
    lines.push({ text: line, indent });
  }
  return lines;
}

/** Glyph codes (CIDs) of one face in one document: one per glyph and meaning, so each copies as the text it stands for. */
class FontUse {
  readonly entries: { glyph: number; text: string; width: number }[] = [];
  private readonly codes = new Map<string, number>();

  code(piece: Piece): number {
    const key = `${piece.glyph}\u0000${piece.text}`;
    let code = this.codes.get(key);
    if (code === undefined) {
      this.entries.push({ glyph: piece.glyph, text: piece.text, width: piece.width });
      code = this.entries.length; // code 0 is left for .notdef
      if (code > 0xffff) throw new Error('too many distinct glyphs for one font');
      this.codes.set(key, code);
    }
    return code;
  }
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
const utf16Hex = (text: string) => Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();

/**
 * Content-stream operators that show one line at (x, y), glyphs in display order. A right-to-left
 * glyph that stands for several characters (lam-alef) maps to them in display order too, as
 * readers put right-to-left text back in reading order character by character.
 */
function showLine(text: string, face: Face, size: number, x: number, y: number, uses: Record<Face, FontUse>, resource: Record<Face, string>): string {
  const laid = layoutLine(text, (form) => fonts()[face].glyphOf(form.codePointAt(0)!) !== 0 || fonts()[CHAIN[face][1]!].glyphOf(form.codePointAt(0)!) !== 0);
  const ops: string[] = [`BT ${x} ${y} Td`];
  let current: Face | undefined;
  let run: { face: Face; codes: number[] } | undefined;
  const flush = () => {
    if (!run) return;
    if (run.face !== current) ops.push(`/${resource[run.face]} ${size} Tf`);
    current = run.face;
    ops.push(`<${run.codes.map(hex4).join('')}> Tj`);
    run = undefined;
  };
  for (const cluster of laid) {
    const pieces = piecesOf(cluster.shown, cluster.text, face);
    // Right to left, a letter's marks come before it in display order: the font's Hebrew and Arabic marks are drawn from the letter's origin.
    if (cluster.level % 2 === 1) for (const piece of pieces.reverse()) piece.text = [...piece.text].reverse().join('');
    for (const piece of pieces) {
      if (run && run.face !== piece.face) flush();
      run ??= { face: piece.face, codes: [] };
      run.codes.push(uses[piece.face].code(piece));
    }
  }
  flush();
  ops.push('ET');
  return ops.join(' ');
}

function subsetTag(face: Face, use: FontUse): string {
  const digest = createHash('sha256').update(face).update(use.entries.map((e) => e.glyph).join(',')).digest();
  return [...digest.subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
}

function toUnicodeCMap(use: FontUse): string {
  const blocks: string[] = [];
  for (let i = 0; i < use.entries.length; i += 100) {
    const chunk = use.entries.slice(i, i + 100);
    blocks.push(`${chunk.length} beginbfchar\n${chunk.map((e, k) => `<${hex4(i + k + 1)}> <${utf16Hex(e.text)}>`).join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange',
    ...blocks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}

export function renderPdf(lines: readonly PdfLine[], footer: string, options: PdfOptions = {}): Buffer {
  const all = [...lines];
  // Characters no face can draw are listed at the end, so nothing is lost without a word.
  const missing = new Set<string>();
  for (const line of all) for (const ch of unshown(line.text, STYLE[line.style ?? 'body'].face)) missing.add(ch);
  for (const ch of unshown(footer, FOOTER.face)) missing.add(ch);
  if (missing.size) {
    const listed = [...missing].slice(0, MAX_LISTED).map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    const more = missing.size > MAX_LISTED ? ` and ${missing.size - MAX_LISTED} more` : '';
    all.push({ text: 'Characters this PDF cannot show', style: 'heading' });
    all.push({
      text: `${missing.size === 1 ? 'One character' : `${missing.size} different characters`} in this file ${missing.size === 1 ? 'is' : 'are'} not in the PDF's font and ${missing.size === 1 ? 'is' : 'are'} shown as ${REPLACEMENT}: ${listed.join(', ')}${more}. Copying the text from this PDF gives ${missing.size === 1 ? 'it' : 'them'} as written.${options.unshownNote ? ` ${options.unshownNote}` : ''}`,
    });
  }
  if (all.some((line) => hasRightToLeft(line.text)) || hasRightToLeft(footer)) {
    all.push({
      text: 'Right-to-left text (Arabic, Hebrew) is shown right to left with Arabic letters joined, by a simplified layout: where it is mixed with English or numbers, check the order of the words against the original.',
      style: 'small',
    });
  }

  const uses: Record<Face, FontUse> = { regular: new FontUse(), bold: new FontUse() };
  const resource: Record<Face, string> = { regular: 'F1', bold: 'F2' };
  const pages: string[][] = [[]];
  let y = PAGE.height - PAGE.margin;
  for (const line of all) {
    const style = STYLE[line.style ?? 'body'];
    if (line.style === 'heading' && y < PAGE.margin + 80) y = 0; // keep a heading with what follows it
    for (const { text, indent } of wrap(line.text, style.face, style.size)) {
      if (y - style.leading < PAGE.margin + 20) {
        pages.push([]);
        y = PAGE.height - PAGE.margin;
      }
      y -= style.leading;
      pages[pages.length - 1]!.push(showLine(text, style.face, style.size, PAGE.margin + indent, y, uses, resource));
    }
  }

  type PdfObject = string | { dict: string; stream: Buffer };
  const objects: PdfObject[] = [];
  const add = (body: PdfObject) => objects.push(body); // object numbers start at 1
  const stream = (data: Buffer | string, extra = '') => {
    const compressed = deflateSync(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    return { dict: `<< /Length ${compressed.length} /Filter /FlateDecode${extra} >>`, stream: compressed };
  };
  const catalog = add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // the page tree, filled in below
  const contents = pages.map((ops, i) => {
    const foot = showLine(`${footer} — page ${i + 1} of ${pages.length}`, FOOTER.face, FOOTER.size, PAGE.margin, 30, uses, resource);
    return [...ops, foot].join('\n');
  });
  const fontRefs: string[] = [];
  for (const face of ['regular', 'bold'] as const) {
    const use = uses[face];
    if (!use.entries.length) continue;
    const font = fonts()[face];
    const { data, newGlyph } = font.subset(use.entries.map((e) => e.glyph));
    const name = `${subsetTag(face, use)}+${font.postScriptName}`;
    const scale = (v: number) => Math.round((v * 1000) / font.unitsPerEm);
    const file = add(stream(data, ` /Length1 ${data.length}`));
    const cidToGid = Buffer.alloc(2 * (use.entries.length + 1));
    use.entries.forEach((e, i) => cidToGid.writeUInt16BE(newGlyph.get(e.glyph)!, 2 * (i + 1)));
    const map = add(stream(cidToGid));
    const descriptor = add(
      `<< /Type /FontDescriptor /FontName /${name} /Flags 4 /FontBBox [${font.bbox.map(scale).join(' ')}] /ItalicAngle ${font.italicAngle} /Ascent ${scale(font.ascent)} /Descent ${scale(font.descent)} /CapHeight ${scale(font.capHeight)} /StemV ${face === 'bold' ? 120 : 80} /FontFile2 ${file} 0 R >>`,
    );
    const widths = use.entries.map((e) => Math.round(e.width)).join(' ');
    const cidFont = add(
      `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ${descriptor} 0 R /DW 1000 /W [1 [${widths}]] /CIDToGIDMap ${map} 0 R >>`,
    );
    const toUnicode = add(stream(toUnicodeCMap(use)));
    const type0 = add(`<< /Type /Font /Subtype /Type0 /BaseFont /${name} /Encoding /Identity-H /DescendantFonts [${cidFont} 0 R] /ToUnicode ${toUnicode} 0 R >>`);
    fontRefs.push(`/${resource[face]} ${type0} 0 R`);
  }
  const kids = contents.map((content) => {
    const ref = add(stream(content));
    return add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /Font << ${fontRefs.join(' ')} >> >> /Contents ${ref} 0 R >>`);
  });
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = chunks[0]!.length;
  const push = (b: Buffer) => {
    chunks.push(b);
    length += b.length;
  };
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    if (typeof body === 'string') push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
    else {
      push(Buffer.from(`${i + 1} 0 obj\n${body.dict}\nstream\n`, 'latin1'));
      push(body.stream);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    }
  });
  const xref = length;
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}` +
        `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(chunks);
}
