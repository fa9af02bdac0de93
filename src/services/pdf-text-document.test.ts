import { renderPdf } from './pdf-text-document';

// windows-1252 0x80–0x9F (as published by the WHATWG encoding standard); undefined bytes are absent.
const CP1252_80_9F = ['€', undefined, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', undefined, 'Ž', undefined, undefined, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', undefined, 'ž', 'Ÿ'];

/** The text the PDF shows: each string shown with Tj, its bytes read as WinAnsi (windows-1252). */
function shownText(pdf: Buffer): string[] {
  const source = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of source.matchAll(/\(((?:\\.|[^\\)])*)\) Tj/g)) {
    const bytes: number[] = [];
    const s = m[1]!;
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== '\\') bytes.push(s.charCodeAt(i));
      else if (/[0-7]/.test(s[i + 1]!)) {
        bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
        i += 3;
      } else bytes.push(s.charCodeAt(++i));
    }
    out.push(bytes.map((b) => (b >= 0x80 && b < 0xa0 ? (CP1252_80_9F[b - 0x80] ?? '\ufffd') : String.fromCharCode(b))).join(''));
  }
  return out;
}

describe('renderPdf', () => {
  it('shows plain text, brackets and backslashes as written', () => {
    const text = shownText(renderPdf([{ text: 'Child protection file: Amelia (6B) \\ test', style: 'title' }], 'footer'));
    expect(text[0]).toBe('Child protection file: Amelia (6B) \\ test');
  });

  it("shows every letter of the WinAnsi set (Š, ž, Œ, Ÿ) as itself, not '?'", () => {
    const [line] = shownText(renderPdf([{ text: 'Šárka Žofie Œuvre Ÿ ‚„†‡‰‹›™' }], 'f'));
    expect(line).toBe('Šárka Žofie Œuvre Ÿ ‚„†‡‰‹›™');
  });

  it("writes a name with letters outside WinAnsi (Polish, Czech, Turkish) with their base letters rather than '?'", () => {
    const [line] = shownText(renderPdf([{ text: 'Łucja Wiśniewska, Tomáš Dvořák, Yıldız Çelik, Đorđe' }], 'f'));
    expect(line).toBe('Lucja Wisniewska, Tomáš Dvorák, Yildiz Çelik, Dorde');
  });

  it("still marks what cannot be written at all with '?'", () => {
    const [line] = shownText(renderPdf([{ text: 'Name: 王伟' }], 'f'));
    expect(line).toBe('Name: ??');
  });
});
