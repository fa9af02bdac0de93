/**
 * RFC 4180 CSV, enough for spreadsheets exported by Excel and online-form tools: quoted fields,
 * doubled quotes, CRLF or LF, a UTF-8 BOM. Formatting neutralises spreadsheet formulas
 * (a cell starting with = + - @ is prefixed with ') so an export cannot run code in Excel.
 */
export function parseCsv(text: string): string[][] {
  return parseCsvLines(text).map((r) => r.fields);
}

/** Rows with the file line each starts on (1-based; blank lines and line breaks inside quoted cells counted). */
export function parseCsvLines(text: string): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && s[i + 1] !== '\n')) line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f.trim() !== '')) rows.push({ fields: row, line: rowLine });
      row = [];
      line++;
      rowLine = line;
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== '')) rows.push({ fields: row, line: rowLine });
  return rows;
}

/** Rows as objects keyed by the normalised header (lower case, spaces and dashes → _). */
export function parseCsvRecords(text: string): { header: string[]; records: Record<string, string>[]; lines: number[] } {
  const [head, ...rest] = parseCsvLines(text);
  const header = (head?.fields ?? []).map(normaliseHeader);
  return { header, records: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, (r.fields[i] ?? '').trim()]))), lines: rest.map((r) => r.line) };
}

export function normaliseHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number | undefined | null)[])[]): string {
  const cell = (v: string | number | undefined | null): string => {
    let s = v === undefined || v === null ? '' : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
