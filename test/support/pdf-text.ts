import { inflateSync } from 'node:zlib';

/**
 * Reads back what our PDF writer (src/services/pdf-text-document.ts) produced, independently of
 * it: the cross-reference table, each object, streams (FlateDecode), fonts and, for every text
 * object (BT … ET), the text its glyph codes stand for through each font's ToUnicode map — what
 * a reader copies or searches. Only the subset of PDF that writer uses: Type0 fonts with
 * Identity-H (2-byte codes) shown with Tj, one line per text object.
 */
export interface PdfObject {
  dict: string;
  stream?: Buffer;
}

export interface ParsedPdf {
  objects: Map<number, PdfObject>;
  pages: { lines: PdfTextLine[] }[];
  fonts: Map<number, ParsedFont>;
}

export interface ParsedFont {
  baseFont: string;
  toUnicode: Map<number, string>;
  widths: Map<number, number>;
  cidToGid: Buffer;
  fontFile: Buffer;
  length1: number;
}

export interface PdfTextLine {
  text: string;
  /** Each shown string: the font resource and the codes. */
  runs: { font: string; size: number; codes: number[] }[];
  x: number;
  y: number;
}

const ref = (dict: string, key: string): number => {
  const m = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  if (!m) throw new Error(`no ${key} in ${dict}`);
  return Number(m[1]);
};

/** Parses the file through its xref table, failing when an offset does not point at its object or a stream's /Length is wrong. */
export function parsePdf(pdf: Buffer): ParsedPdf {
  const source = pdf.toString('latin1');
  if (!source.startsWith('%PDF-1.')) throw new Error('no PDF header');
  if (!source.endsWith('%%EOF\n')) throw new Error('no %%EOF at the end');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(source)?.[1]);
  if (!source.startsWith('xref\n', startxref)) throw new Error('startxref does not point at the xref table');
  const header = /^xref\n0 (\d+)\n/.exec(source.slice(startxref))!;
  const count = Number(header[1]);
  const entries = source.slice(startxref + header[0].length, startxref + header[0].length + 20 * count);
  const objects = new Map<number, PdfObject>();
  for (let n = 1; n < count; n++) {
    const entry = entries.slice(20 * n, 20 * n + 20);
    if (!/^\d{10} 00000 n \n$/.test(entry)) throw new Error(`bad xref entry ${n}: ${JSON.stringify(entry)}`);
    const offset = Number(entry.slice(0, 10));
    const head = `${n} 0 obj\n`;
    if (!source.startsWith(head, offset)) throw new Error(`xref offset of object ${n} is wrong`);
    const start = offset + head.length;
    const streamAt = source.indexOf('\nstream\n', start);
    const endAt = source.indexOf('\nendobj\n', start);
    if (streamAt >= 0 && streamAt < endAt) {
      const dict = source.slice(start, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)![1]);
      const dataStart = streamAt + '\nstream\n'.length;
      if (!source.startsWith('\nendstream\nendobj\n', dataStart + length)) throw new Error(`stream length of object ${n} is wrong`);
      const raw = pdf.subarray(dataStart, dataStart + length);
      objects.set(n, { dict, stream: dict.includes('/FlateDecode') ? inflateSync(raw) : Buffer.from(raw) });
    } else objects.set(n, { dict: source.slice(start, endAt) });
  }
  const trailer = /trailer\n<< \/Size (\d+) \/Root (\d+) 0 R >>/.exec(source.slice(startxref))!;
  if (Number(trailer[1]) !== count) throw new Error('trailer /Size differs from the xref table');
  const get = (n: number) => {
    const o = objects.get(n);
    if (!o) throw new Error(`no object ${n}`);
    return o;
  };

  const fonts = new Map<number, ParsedFont>();
  const fontOf = (n: number): ParsedFont => {
    const known = fonts.get(n);
    if (known) return known;
    const type0 = get(n).dict;
    if (!type0.includes('/Subtype /Type0') || !type0.includes('/Encoding /Identity-H')) throw new Error('not an Identity-H Type0 font');
    const cidFont = get(Number(/\/DescendantFonts \[(\d+) 0 R\]/.exec(type0)![1])).dict;
    const descriptor = get(ref(cidFont, 'FontDescriptor')).dict;
    const file = get(ref(descriptor, 'FontFile2'));
    const toUnicode = new Map<number, string>();
    const cmap = get(ref(type0, 'ToUnicode')).stream!.toString('latin1');
    for (const block of cmap.matchAll(/beginbfchar\n([\s\S]*?)endbfchar/g)) {
      for (const m of block[1]!.matchAll(/<([0-9A-F]{4})> <([0-9A-F]*)>/g)) toUnicode.set(parseInt(m[1]!, 16), Buffer.from(m[2]!, 'hex').swap16().toString('utf16le'));
    }
    const widths = new Map<number, number>();
    const w = /\/W \[(\d+) \[([\d ]*)\]\]/.exec(cidFont)!;
    w[2]!.split(' ').forEach((v, i) => widths.set(Number(w[1]) + i, Number(v)));
    const font: ParsedFont = {
      baseFont: /\/BaseFont \/(\S+)/.exec(type0)![1]!,
      toUnicode,
      widths,
      cidToGid: get(ref(cidFont, 'CIDToGIDMap')).stream!,
      fontFile: file.stream!,
      length1: Number(/\/Length1 (\d+)/.exec(file.dict)![1]),
    };
    fonts.set(n, font);
    return font;
  };

  const pages: ParsedPdf['pages'] = [];
  const root = get(Number(trailer[2])).dict;
  const tree = get(ref(root, 'Pages')).dict;
  for (const kid of tree.matchAll(/(\d+) 0 R/g)) {
    const page = get(Number(kid[1])).dict;
    const resources = new Map<string, number>();
    for (const m of /\/Font << ([^>]*) >>/.exec(page)![1]!.matchAll(/\/(\w+) (\d+) 0 R/g)) resources.set(m[1]!, Number(m[2]));
    const content = get(ref(page, 'Contents')).stream!.toString('latin1');
    const lines: PdfTextLine[] = [];
    for (const object of content.matchAll(/BT ([\s\S]*?) ET/g)) {
      const [, x, y] = /^([\d.]+) ([\d.]+) Td/.exec(object[1]!)!;
      const line: PdfTextLine = { text: '', runs: [], x: Number(x), y: Number(y) };
      let font = '';
      let size = 0;
      for (const op of object[1]!.matchAll(/\/(\w+) ([\d.]+) Tf|<([0-9A-F]*)> Tj/g)) {
        if (op[1]) {
          font = op[1];
          size = Number(op[2]);
          continue;
        }
        const codes = op[3]!.match(/.{4}/g)!.map((h) => parseInt(h, 16));
        const map = fontOf(resources.get(font)!).toUnicode;
        line.runs.push({ font, size, codes });
        for (const code of codes) {
          const text = map.get(code);
          if (text === undefined) throw new Error(`code ${code} of ${font} has no ToUnicode entry`);
          line.text += text;
        }
      }
      lines.push(line);
    }
    pages.push({ lines });
  }
  for (const n of resourcesOfAllPages(objects)) fontOf(n);
  return { objects, pages, fonts };
}

function resourcesOfAllPages(objects: Map<number, PdfObject>): number[] {
  const out = new Set<number>();
  for (const o of objects.values()) for (const m of /\/Font << ([^>]*) >>/.exec(o.dict)?.[1]?.matchAll(/\/\w+ (\d+) 0 R/g) ?? []) out.add(Number(m[1]));
  return [...out];
}

/** Every line of text of the document, in order. */
export function pdfText(pdf: Buffer): string[] {
  return parsePdf(pdf).pages.flatMap((p) => p.lines.map((l) => l.text));
}
