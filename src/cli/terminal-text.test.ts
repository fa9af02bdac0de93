import { terminalText } from './terminal-text';

describe('terminalText', () => {
  it('shows control characters and ESC sequences as visible escapes, so they cannot act on the terminal', () => {
    const shown = terminalText('Rita\x1b[2K\rAdmin\x07 Refused\n');
    expect(shown).toBe('Rita\\u{1B}[2K\\u{D}Admin\\u{7} Refused\\u{A}');
    expect(shown).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  it('shows bidirectional overrides and isolates, which reorder what is displayed', () => {
    expect(terminalText('Class list \u202Egpj.exe')).toBe('Class list \\u{202E}gpj.exe');
    expect(terminalText('\u2066a\u2069\u200F')).toBe('\\u{2066}a\\u{2069}\\u{200F}');
    expect(terminalText('\u009b31m')).toBe('\\u{9B}31m');
  });

  it('leaves ordinary names, accents and other scripts as they are', () => {
    for (const name of ['Amélia Okonkwo', "O'Brien-Łucja", 'Zoë  Smith', 'محمد', '李小龍', 'SEN register (2026).xlsx']) {
      expect(terminalText(name)).toBe(name);
    }
  });
});
