// Control characters (except tab and newline) and the bidirectional overrides that can make
// text display differently from what is stored ("Trojan Source") are removed from all input.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Normalises user text: NFC, CRLF → LF, control characters stripped, trimmed. */
export function cleanText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return text.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

/** The same, on one line: newlines and tabs become single spaces. */
export function cleanLine(value: unknown): string {
  return cleanText(value).replace(/\s+/g, ' ');
}

// Letters that compatibility decomposition leaves whole (they are letters of their own, not a
// base letter with a mark), written as the Latin letters people type for them.
const UNDECOMPOSED: Record<string, string> = { ø: 'o', Ø: 'O', ß: 'ss', æ: 'ae', Æ: 'AE', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ħ: 'h', Ħ: 'H', ı: 'i', ŀ: 'l', Ŀ: 'L', ŧ: 't', Ŧ: 'T', ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th' };
const UNDECOMPOSED_LETTER = new RegExp(`[${Object.keys(UNDECOMPOSED).join('')}]`, 'g');

/** Text with its letters folded to plain Latin ones: "Łucja Wiśniewska" → "Lucja Wisniewska". */
export function foldToBaseLetters(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(UNDECOMPOSED_LETTER, (ch) => UNDECOMPOSED[ch]!);
}
