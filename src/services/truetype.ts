/**
 * Just enough of a TrueType font for the PDF writer (pdf-text-document.ts): which glyph shows a
 * character, how wide it is, and a subset with only the glyphs a document uses, to embed.
 * Tables: https://learn.microsoft.com/typography/opentype/spec/ (head, hhea, maxp, hmtx, cmap
 * formats 4 and 12, loca, glyf, OS/2, post, name). Only TrueType outlines (glyf), not CFF.
 */
export interface TrueTypeFont {
  /** The font's PostScript name (name ID 6), e.g. "DejaVuSans-Bold". */
  postScriptName: string;
  unitsPerEm: number;
  ascent: number;
  descent: number;
  capHeight: number;
  bbox: [number, number, number, number];
  italicAngle: number;
  /** OS/2 fsType: the licence's embedding permissions. */
  fsType: number;
  numGlyphs: number;
  /** The glyph for a code point, or 0 (.notdef) when the font has none. */
  glyphOf(codePoint: number): number;
  /** A glyph's advance width in font units. */
  advance(glyph: number): number;
  /** A font file with only these glyphs (and .notdef and the parts of composite glyphs), renumbered; newGlyph maps old ids to new. */
  subset(glyphs: Iterable<number>): { data: Buffer; newGlyph: Map<number, number> };
}

interface Table {
  offset: number;
  length: number;
}

export function parseTrueType(data: Buffer): TrueTypeFont {
  const version = data.readUInt32BE(0);
  if (version !== 0x00010000 && version !== 0x74727565) throw new Error('not a TrueType font (glyf outlines)');
  const tables = new Map<string, Table>();
  const numTables = data.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const at = 12 + 16 * i;
    tables.set(data.toString('latin1', at, at + 4), { offset: data.readUInt32BE(at + 8), length: data.readUInt32BE(at + 12) });
  }
  const table = (tag: string): Table => {
    const t = tables.get(tag);
    if (!t) throw new Error(`font has no ${tag} table`);
    return t;
  };
  const head = table('head').offset;
  const unitsPerEm = data.readUInt16BE(head + 18);
  const bbox: [number, number, number, number] = [data.readInt16BE(head + 36), data.readInt16BE(head + 38), data.readInt16BE(head + 40), data.readInt16BE(head + 42)];
  const longLoca = data.readInt16BE(head + 50) === 1;
  const hhea = table('hhea').offset;
  const numberOfHMetrics = data.readUInt16BE(hhea + 34);
  const numGlyphs = data.readUInt16BE(table('maxp').offset + 4);
  const hmtx = table('hmtx').offset;
  const advance = (glyph: number) => data.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const leftSideBearing = (glyph: number) =>
    glyph < numberOfHMetrics ? data.readInt16BE(hmtx + 4 * glyph + 2) : data.readInt16BE(hmtx + 4 * numberOfHMetrics + 2 * (glyph - numberOfHMetrics));

  const os2 = tables.get('OS/2');
  const fsType = os2 ? data.readUInt16BE(os2.offset + 8) : 0;
  const post = tables.get('post');
  const italicAngle = post ? data.readInt32BE(post.offset + 4) / 65536 : 0;

  const loca = table('loca').offset;
  const glyf = table('glyf').offset;
  const glyphRange = (glyph: number): [number, number] =>
    longLoca
      ? [data.readUInt32BE(loca + 4 * glyph), data.readUInt32BE(loca + 4 * glyph + 4)]
      : [2 * data.readUInt16BE(loca + 2 * glyph), 2 * data.readUInt16BE(loca + 2 * glyph + 2)];

  // A font subset for a PDF has no cmap (the PDF maps its codes to glyphs itself).
  const cmap = tables.has('cmap') ? readCmap(data, table('cmap').offset) : new Map<number, number>();
  // Cap height: OS/2 version 2 has it; before that, the top of the letter H.
  const h = glyphRange(cmap.get(0x48) ?? 0);
  const capHeight = os2 && data.readUInt16BE(os2.offset) >= 2 ? data.readInt16BE(os2.offset + 88) : h[1] > h[0] ? data.readInt16BE(glyf + h[0] + 8) : bbox[3];
  return {
    postScriptName: readPostScriptName(data, tables.get('name')) ?? 'Embedded',
    unitsPerEm,
    ascent: data.readInt16BE(hhea + 4),
    descent: data.readInt16BE(hhea + 6),
    capHeight,
    bbox,
    italicAngle,
    fsType,
    numGlyphs,
    glyphOf: (codePoint: number) => cmap.get(codePoint) ?? 0,
    advance,
    subset(glyphs: Iterable<number>) {
      // The glyphs needed: those asked for, .notdef, and every component of a composite glyph.
      const needed = new Set<number>([0]);
      const queue = [...glyphs].filter((g) => g >= 0 && g < numGlyphs);
      while (queue.length) {
        const g = queue.pop()!;
        if (needed.has(g)) continue;
        needed.add(g);
        const [start, end] = glyphRange(g);
        if (end > start && data.readInt16BE(glyf + start) < 0) for (const c of components(data, glyf + start)) if (!needed.has(c.glyph)) queue.push(c.glyph);
      }
      const order = [...needed].sort((a, b) => a - b);
      const newGlyph = new Map(order.map((g, i) => [g, i]));

      const glyphData: Buffer[] = [];
      const offsets: number[] = [0];
      for (const g of order) {
        const [start, end] = glyphRange(g);
        const bytes = Buffer.from(data.subarray(glyf + start, glyf + end));
        if (bytes.length && bytes.readInt16BE(0) < 0) for (const c of components(bytes, 0)) bytes.writeUInt16BE(newGlyph.get(c.glyph)!, c.at);
        const padded = Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
        glyphData.push(padded);
        offsets.push(offsets[offsets.length - 1]! + padded.length);
      }
      const newLoca = Buffer.alloc(4 * offsets.length);
      offsets.forEach((o, i) => newLoca.writeUInt32BE(o, 4 * i));
      const newHmtx = Buffer.alloc(4 * order.length);
      order.forEach((g, i) => {
        newHmtx.writeUInt16BE(advance(g), 4 * i);
        newHmtx.writeInt16BE(leftSideBearing(g), 4 * i + 2);
      });
      const copy = (tag: string) => Buffer.from(data.subarray(table(tag).offset, table(tag).offset + table(tag).length));
      const newHead = copy('head');
      newHead.writeUInt32BE(0, 8); // checkSumAdjustment, set below
      newHead.writeInt16BE(1, 50); // long loca
      const newHhea = copy('hhea');
      newHhea.writeUInt16BE(order.length, 34);
      const newMaxp = copy('maxp');
      newMaxp.writeUInt16BE(order.length, 4);
      const out: Record<string, Buffer> = { head: newHead, hhea: newHhea, maxp: newMaxp, hmtx: newHmtx, loca: newLoca, glyf: Buffer.concat(glyphData) };
      // The hinting programs glyphs may call; a PDF needs no cmap, name or post (the document maps its own codes to glyphs).
      for (const tag of ['cvt ', 'fpgm', 'prep']) if (tables.has(tag)) out[tag] = copy(tag);
      return { data: writeFontFile(out), newGlyph };
    },
  };
}

/** The components of a composite glyph: their glyph ids and where each id is written. */
function components(data: Buffer, start: number): { glyph: number; at: number }[] {
  const out: { glyph: number; at: number }[] = [];
  let at = start + 10; // past numberOfContours and the bounding box
  for (;;) {
    const flags = data.readUInt16BE(at);
    out.push({ glyph: data.readUInt16BE(at + 2), at: at + 2 - start });
    at += 4 + (flags & 0x0001 ? 4 : 2); // ARG_1_AND_2_ARE_WORDS
    if (flags & 0x0008) at += 2; // WE_HAVE_A_SCALE
    else if (flags & 0x0040) at += 4; // WE_HAVE_AN_X_AND_Y_SCALE
    else if (flags & 0x0080) at += 8; // WE_HAVE_A_TWO_BY_TWO
    if (!(flags & 0x0020)) return out; // MORE_COMPONENTS
  }
}

/** Unicode code point → glyph, from the Windows Unicode subtable (format 12 for all planes, else format 4). */
function readCmap(data: Buffer, cmap: number): Map<number, number> {
  const subtables: { platform: number; encoding: number; offset: number }[] = [];
  for (let i = 0; i < data.readUInt16BE(cmap + 2); i++) {
    const at = cmap + 4 + 8 * i;
    subtables.push({ platform: data.readUInt16BE(at), encoding: data.readUInt16BE(at + 2), offset: cmap + data.readUInt32BE(at + 4) });
  }
  const pick =
    subtables.find((s) => s.platform === 3 && s.encoding === 10 && data.readUInt16BE(s.offset) === 12) ??
    subtables.find((s) => s.platform === 0 && data.readUInt16BE(s.offset) === 12) ??
    subtables.find((s) => s.platform === 3 && s.encoding === 1 && data.readUInt16BE(s.offset) === 4) ??
    subtables.find((s) => s.platform === 0 && data.readUInt16BE(s.offset) === 4);
  if (!pick) throw new Error('font has no Unicode cmap');
  const map = new Map<number, number>();
  const at = pick.offset;
  if (data.readUInt16BE(at) === 12) {
    for (let i = 0; i < data.readUInt32BE(at + 12); i++) {
      const g = at + 16 + 12 * i;
      const [first, last, glyph] = [data.readUInt32BE(g), data.readUInt32BE(g + 4), data.readUInt32BE(g + 8)];
      for (let c = first; c <= last; c++) map.set(c, glyph + c - first);
    }
    return map;
  }
  const segments = data.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  for (let s = 0; s < segments; s++) {
    const [end, start, delta, rangeOffset] = [data.readUInt16BE(ends + 2 * s), data.readUInt16BE(starts + 2 * s), data.readInt16BE(deltas + 2 * s), data.readUInt16BE(rangeOffsets + 2 * s)];
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        glyph = data.readUInt16BE(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) map.set(c, glyph);
    }
  }
  return map;
}

function readPostScriptName(data: Buffer, name: Table | undefined): string | undefined {
  if (!name) return undefined;
  const count = data.readUInt16BE(name.offset + 2);
  const strings = name.offset + data.readUInt16BE(name.offset + 4);
  for (let i = 0; i < count; i++) {
    const at = name.offset + 6 + 12 * i;
    const [platform, nameId, length, offset] = [data.readUInt16BE(at), data.readUInt16BE(at + 6), data.readUInt16BE(at + 8), data.readUInt16BE(at + 10)];
    if (nameId !== 6) continue;
    const bytes = data.subarray(strings + offset, strings + offset + length);
    const text = platform === 3 || platform === 0 ? Buffer.from(bytes).swap16().toString('utf16le') : bytes.toString('latin1');
    return text.replace(/[^A-Za-z0-9-]/g, '');
  }
  return undefined;
}

function checksum(bytes: Buffer): number {
  const padded = Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

/** An sfnt file of these tables: directory sorted by tag, each table 4-byte aligned, checksums and head's checkSumAdjustment set. */
function writeFontFile(tables: Record<string, Buffer>): Buffer {
  const tags = Object.keys(tables).sort();
  const header = Buffer.alloc(12 + 16 * tags.length);
  const entrySelector = Math.floor(Math.log2(tags.length));
  header.writeUInt32BE(0x00010000, 0);
  header.writeUInt16BE(tags.length, 4);
  header.writeUInt16BE(16 * 2 ** entrySelector, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(16 * tags.length - 16 * 2 ** entrySelector, 10);
  const bodies: Buffer[] = [];
  let offset = header.length;
  tags.forEach((tag, i) => {
    const body = tables[tag]!;
    const at = 12 + 16 * i;
    header.write(tag, at, 'latin1');
    header.writeUInt32BE(checksum(body), at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(body.length, at + 12);
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    bodies.push(padded);
    offset += padded.length;
  });
  const file = Buffer.concat([header, ...bodies]);
  const headAt = file.readUInt32BE(12 + 16 * tags.indexOf('head') + 8);
  file.writeUInt32BE((0xb1b0afba - checksum(file)) >>> 0, headAt + 8);
  return file;
}
