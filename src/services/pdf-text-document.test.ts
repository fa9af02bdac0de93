import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { renderPdf, type PdfLine } from './pdf-text-document';
import { parseTrueType } from './truetype';
import { hasRightToLeft } from './pdf-text-shaping';
import { parsePdf, pdfText } from '../../test/support/pdf-text';

/** The document's text without the page footers, lines joined by spaces (wrapping splits at spaces). */
const textOf = (pdf: Buffer) =>
  parsePdf(pdf)
    .pages.flatMap((p) => p.lines.slice(0, -1).map((l) => l.text))
    .join(' ');

const font = (file: string) => parseTrueType(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));

describe('renderPdf: the text is shown and copies as written', () => {
  it('shows plain text, brackets and backslashes as written', () => {
    const text = pdfText(renderPdf([{ text: 'Child protection file: Amelia (6B) \\ test', style: 'title' }], 'footer'));
    expect(text[0]).toBe('Child protection file: Amelia (6B) \\ test');
  });

  it.each([
    ['Latin with diacritics', 'Łucja Wiśniewska, Zoë Brontë, Şükrü Yıldız, Tomáš Dvořák, Đorđe, Ștefan Țurcanu, Nguyễn Thị Hương, Søren Ærø, Þórður, Œuvre, ß'],
    ['WinAnsi punctuation', 'Šárka Žofie Ÿ ‚„†‡‰‹›™ “quoted” ‘single’ – — … €5 £3'],
    ['Greek', 'Νίκος Παπαδόπουλος είπε: «Δεν θέλω να πάω σπίτι.»'],
    ['Cyrillic', 'Дмитрий Иванов сказал: «Мама спала весь день». Їжак, Ґанок, Ўладзімір, Љиљана'],
    ['Armenian and Georgian', 'Արամ Պետրոսյան, ნინო ბერიძე'],
  ])('%s comes back exactly, through the ToUnicode map', (_what, line) => {
    expect(textOf(renderPdf([{ text: `Pupils named: ${line}` }], 'f'))).toBe(`Pupils named: ${line}`);
  });

  it('writes decomposed input in its composed form (the same text), so each letter is one glyph', () => {
    expect(pdfText(renderPdf([{ text: 'Zoe\u0308 Łucja' }], 'f'))[0]).toBe('Zoë Łucja');
  });

  it('shows bold headings and the title in DejaVu Sans Bold, any script included', () => {
    const pdf = renderPdf([{ text: 'Дмитрий Νίκος Łucja', style: 'title' }, { text: 'Chronology', style: 'heading' }, { text: 'body' }], 'f');
    const parsed = parsePdf(pdf);
    const [title, heading, body] = parsed.pages[0]!.lines;
    expect(title!.text).toBe('Дмитрий Νίκος Łucja');
    expect(heading!.text).toBe('Chronology');
    expect(new Set(title!.runs.map((r) => r.font))).toEqual(new Set(['F2']));
    expect(new Set(body!.runs.map((r) => r.font))).toEqual(new Set(['F1']));
    const names = [...parsed.fonts.values()].map((f) => f.baseFont.replace(/^[A-Z]{6}\+/, '')).sort();
    expect(names).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
  });

  it('wraps long text at the page width without losing a word, and cuts a word longer than a line', () => {
    const words = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 'Дмитрий' : i % 3 === 1 ? 'Łucja' : 'Νίκος'));
    const long = 'ж'.repeat(150);
    const lines = pdfText(renderPdf([{ text: words.join(' ') }, { text: long }], 'f'));
    const body = lines.slice(0, -1);
    expect(body.length).toBeGreaterThan(5);
    expect(body.join(' ').replace(long.slice(0, 10), '')).toContain(words.slice(0, 20).join(' '));
    expect(body.join('')).toContain(long);
    expect(body.some((l) => l === long)).toBe(false); // it did not fit on one line
  });

  it('indents a line written with leading spaces, and numbers the pages in the footer', () => {
    const lines: PdfLine[] = [{ text: 'Note added' }, { text: '    Note: spoke to parent' }, ...Array.from({ length: 70 }, (_, i) => ({ text: `line ${i}` }))];
    const parsed = parsePdf(renderPdf(lines, 'Child protection file: Дмитрий — CONFIDENTIAL'));
    const [first, second] = parsed.pages[0]!.lines;
    expect(second!.text).toBe('Note: spoke to parent');
    expect(second!.x).toBeGreaterThan(first!.x);
    expect(parsed.pages).toHaveLength(2);
    expect(parsed.pages.map((p) => p.lines[p.lines.length - 1]!.text)).toEqual(['Child protection file: Дмитрий — CONFIDENTIAL — page 1 of 2', 'Child protection file: Дмитрий — CONFIDENTIAL — page 2 of 2']);
  });
});

describe('renderPdf: characters the font does not have', () => {
  it('draws each as the replacement character, copies it as written, and lists it at the end with the note given', () => {
    const pdf = renderPdf([{ text: 'Name: 王伟 and আমি', style: 'title' }, { text: 'body' }], 'Child protection file: 王伟', { unshownNote: 'The sending school keeps the exact text.' });
    const parsed = parsePdf(pdf);
    const lines = parsed.pages.flatMap((p) => p.lines.map((l) => l.text));
    expect(lines[0]).toBe('Name: 王伟 and আমি');
    expect(lines[lines.length - 1]).toBe('Child protection file: 王伟 — page 1 of 1');
    const end = lines.slice(2, -1).join(' ');
    expect(end).toContain('Characters this PDF cannot show');
    expect(end).toContain('5 different characters in this file are not in the PDF\'s font and are shown as \uFFFD: U+738B, U+4F1F, U+0986, U+09AE, U+09BF.');
    expect(end).toContain('Copying the text from this PDF gives them as written. The sending school keeps the exact text.');
    // Every one of them is drawn with one glyph: the replacement character's.
    const title = parsed.pages[0]!.lines[0]!;
    const drawn = new Set<number>();
    for (const run of title.runs) {
      const f = [...parsed.fonts.values()].find((x) => x.baseFont.endsWith(run.font === 'F2' ? 'DejaVuSans-Bold' : 'DejaVuSans'))!;
      run.codes.forEach((code) => {
        if (/[王伟আমি]/u.test(f.toUnicode.get(code)!)) drawn.add(f.cidToGid.readUInt16BE(2 * code));
      });
    }
    expect(drawn.size).toBe(1);
  });

  it('adds no such section when every character is shown', () => {
    const lines = pdfText(renderPdf([{ text: 'Дмитрий Łucja Νίκος' }], 'f'));
    expect(lines.join(' ')).not.toContain('cannot show');
  });

  it('lists at most 40 characters, then says how many more', () => {
    const han = Array.from({ length: 45 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const end = pdfText(renderPdf([{ text: han }], 'f')).join(' ');
    expect(end).toContain('45 different characters');
    expect(end).toContain('U+4E27 and 5 more.');
  });
});

describe('renderPdf: right-to-left text', () => {
  // The PDF holds glyphs in display order (as every PDF does); readers put right-to-left text back in
  // reading order when copying. So the glyphs read left to right are the letters in reverse.
  it('draws Hebrew right to left, numbers inside it left to right, and says the layout is simplified', () => {
    const lines = pdfText(renderPdf([{ text: 'Name: דוד כהן 12' }], 'f'));
    expect(lines[0]).toBe('Name: 12 ןהכ דוד');
    expect(lines.join(' ')).toContain('Right-to-left text (Arabic, Hebrew) is shown right to left with Arabic letters joined, by a simplified layout');
  });

  it('draws Arabic letters joined, in display order, each glyph copying as the letter written', () => {
    const parsed = parsePdf(renderPdf([{ text: 'محمد' }], 'f'));
    const line = parsed.pages[0]!.lines[0]!;
    expect(line.text).toBe('دمحم');
    // Four different glyphs for the two meems (initial and medial) and the others: the joined forms, not the letters alone.
    const f = [...parsed.fonts.values()].find((x) => x.baseFont.endsWith('+DejaVuSans'))!;
    const glyphs = line.runs[0]!.codes.map((c) => f.cidToGid.readUInt16BE(2 * c));
    expect(new Set(glyphs).size).toBe(4);
  });

  it('writes lam-alef as one glyph, and a right-to-left line read back in reverse is the text as written', () => {
    const line = parsePdf(renderPdf([{ text: 'لا' }], 'f')).pages[0]!.lines[0]!;
    expect(line.runs[0]!.codes).toHaveLength(1);
    for (const text of ['لا أريد الذهاب إلى البيت', 'שָׁלוֹם עולם', 'نمی\u200Cخواهم']) {
      expect([...pdfText(renderPdf([{ text }], 'f'))[0]!].reverse().join('')).toBe(text);
    }
  });

  it('keeps a class in brackets after an Arabic name in its place', () => {
    expect(pdfText(renderPdf([{ text: 'Pupils named: محمد علي (7C), Łucja' }], 'f'))[0]).toBe('Pupils named: يلع دمحم (7C), Łucja');
  });
});

describe('renderPdf: a valid, compact file', () => {
  const typical = (): PdfLine[] => {
    const lines: PdfLine[] = [{ text: 'Child protection file: Amelia Okonkwo (6B)', style: 'title' }];
    for (let c = 1; c <= 3; c++) {
      lines.push({ text: `C-2026-0000${c}: Neglect (high, open)`, style: 'heading' });
      lines.push({ text: 'What happened: arrived without a coat and said there was no food at home over the weekend. '.repeat(3) });
      lines.push({ text: 'Chronology', style: 'heading' });
      for (let e = 0; e < 6; e++) lines.push({ text: `1${c} Oct 2026, 1${e}:00, Dana Lead: Note added` }, { text: '    Note: spoke to the class teacher; will monitor attendance.' });
    }
    return lines;
  };

  it('has a correct xref table and stream lengths (parsePdf checks each offset)', () => {
    const pdf = renderPdf(typical(), 'footer');
    expect(pdf.subarray(0, 9).toString('latin1')).toBe('%PDF-1.4\n');
    expect(() => parsePdf(pdf)).not.toThrow();
  });

  it('embeds subsets of the fonts whose glyph widths match the widths it declares', () => {
    const parsed = parsePdf(renderPdf([{ text: 'Łucja Дмитрий Νίκος محمد דוד', style: 'heading' }, { text: 'Łucja Дмитрий Νίκος محمد דוד 王' }], 'footer'));
    expect(parsed.fonts.size).toBe(2);
    for (const f of parsed.fonts.values()) {
      expect(f.fontFile.length).toBe(f.length1);
      const subset = parseTrueType(f.fontFile);
      const full = font(f.baseFont.endsWith('-Bold') ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf');
      // The glyphs of these lines, the notes added at the end and the footer: a few dozen of the font's 6,000.
      expect(subset.numGlyphs).toBeLessThan(full.numGlyphs / 40);
      for (const [code, width] of f.widths) {
        const glyph = f.cidToGid.readUInt16BE(2 * code);
        expect(glyph).toBeGreaterThan(0);
        expect(glyph).toBeLessThan(subset.numGlyphs);
        expect(width).toBe(Math.round((subset.advance(glyph) * 1000) / subset.unitsPerEm));
      }
    }
  });

  it('keeps a typical two-page file small (the fonts are subset and streams compressed)', () => {
    const pdf = renderPdf(typical(), 'Child protection file: Amelia Okonkwo (6B) — CONFIDENTIAL');
    expect(parsePdf(pdf).pages.length).toBeGreaterThanOrEqual(1);
    expect(pdf.length).toBeLessThan(60_000);
  });

  it('is the same for the same input (no time or randomness inside)', () => {
    expect(renderPdf(typical(), 'f').equals(renderPdf(typical(), 'f'))).toBe(true);
  });
});

describe('renderPdf: any text', () => {
  it('gives a valid file for any string, every visible character of left-to-right text coming back in order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constantFrom<PdfLine['style']>('title', 'heading', 'body', 'small'), (text, style) => {
        const pdf = renderPdf([{ text, style }], text);
        const copied = textOf(pdf);
        if (hasRightToLeft(text)) return;
        const visible = (s: string) => [...s.normalize('NFC')].filter((ch) => !/[\s\p{Cc}\p{Default_Ignorable_Code_Point}]/u.test(ch)).join('');
        expect(visible(copied).startsWith(visible(text))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the embedded fonts', () => {
  it.each(['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'])('%s allows embedding and subsetting (OS/2 fsType)', (file) => {
    const { fsType } = font(file);
    expect(fsType & 0x0002).toBe(0); // not restricted-licence embedding
    expect(fsType & 0x0100).toBe(0); // subsetting allowed
  });
});
