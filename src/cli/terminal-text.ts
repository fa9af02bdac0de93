/**
 * Text from outside the school's own typing (Entra display names, OneDrive file names) made
 * safe to print on an admin's terminal. Control characters could move the cursor, rewrite an
 * earlier line or retitle the window (ESC sequences), and bidirectional overrides can show a
 * name or path in an order other than the one stored (a file "…\u202Egpj.exe"): each becomes a
 * visible `\u{…}` so the admin sees that something odd is there rather than its effect.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_ON_A_TERMINAL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

export function terminalText(value: string): string {
  return value.replace(UNSAFE_ON_A_TERMINAL, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}
