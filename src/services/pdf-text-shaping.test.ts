import { clusters, hasRightToLeft, layoutLine } from './pdf-text-shaping';

const all = () => true;
/** What is drawn, left to right. */
const shown = (text: string, hasGlyph: (ch: string) => boolean = all) => layoutLine(text, hasGlyph).map((c) => c.shown).join('');
/** The text each drawn cluster stands for, left to right. */
const written = (text: string) => layoutLine(text, all).map((c) => c.text).join('');

describe('layoutLine', () => {
  it('leaves left-to-right text of any script as it is', () => {
    expect(shown('Łucja Дмитрий Νίκος (6B) 12.5%')).toBe('Łucja Дмитрий Νίκος (6B) 12.5%');
  });

  it('keeps a letter and its combining marks together', () => {
    expect(clusters('Zoe\u0308 שָׁ')).toEqual(['Z', 'o', 'e\u0308', ' ', 'שָׁ']);
  });

  it('draws Hebrew right to left, with numbers in it left to right and brackets mirrored', () => {
    expect(written('דוד כהן')).toBe('ןהכ דוד');
    expect(written('שלום 123 עולם')).toBe('םלוע 123 םולש');
    // Inside right-to-left text a bracket is drawn mirrored, so the opening one (now on the right) still opens towards its contents.
    expect(written('אני (בבקשה) כאן')).toBe('ןאכ )השקבב( ינא');
    expect(shown('אני (בבקשה) כאן')).toBe('ןאכ (השקבב) ינא');
  });

  it('keeps English text and a class in brackets around a right-to-left name in their places', () => {
    expect(written('Name: דוד כהן (7C), Łucja')).toBe('Name: ןהכ דוד (7C), Łucja');
    expect(written('Pupils: محمد علي (7C) and Amelia')).toBe('Pupils: يلع دمحم (7C) and Amelia');
  });

  it('keeps a number with its separators whole inside Arabic text', () => {
    expect(written('قال 12.5 مرة')).toBe('ةرم 12.5 لاق');
  });

  it("joins Arabic letters with their initial, medial and final forms (Unicode's presentation forms)", () => {
    // محمد: meem initial, hah medial, meem medial, dal final (dal joins only on its right).
    expect(shown('محمد')).toBe('\uFEAA\uFEE4\uFEA4\uFEE3');
    // علي: ain initial, lam medial, yeh final; a letter alone is isolated.
    expect(shown('علي د')).toBe('\uFEA9 \uFEF2\uFEE0\uFECB');
    // After a right-joining letter (alef) the next letter starts again: ا then ن isolated… نا: noon initial, alef final.
    expect(shown('نا')).toBe('\uFE8E\uFEE7');
  });

  it('writes lam-alef as its one required ligature, standing for both letters', () => {
    const [c] = layoutLine('لا', all);
    expect(c).toMatchObject({ shown: '\uFEFB', text: 'لا' });
    expect(layoutLine('سلا', all).map((x) => x.shown).join('')).toBe('\uFEFC\uFEB3');
  });

  it('stops joining at a zero width non-joiner', () => {
    expect(shown('نمی\u200Cخواهم').includes('\u200C')).toBe(true);
    const forms = layoutLine('می\u200Cخ', all).map((c) => c.shown);
    // خ alone after the non-joiner: isolated (U+FEA5), not final.
    expect(forms[0]).toBe('\uFEA5');
  });

  it('keeps the plain letter where the font has no joined form', () => {
    expect(shown('محمد', (form) => form !== '\uFEA4')).toBe('\uFEAA\uFEE4\u062D\uFEE3');
  });

  it('tells whether a text has right-to-left letters', () => {
    expect(hasRightToLeft('Łucja Дмитрий 王伟')).toBe(false);
    expect(hasRightToLeft('Name: דוד')).toBe(true);
    expect(hasRightToLeft('Name: محمد')).toBe(true);
  });
});
