import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

/**
 * A minimal XLSX (zip) writer for tests: entries in the order Excel writes them, deflated,
 * sizes in the local headers (or a data descriptor when `descriptor` is set), no central
 * directory needed by the audit's reader (it only sees the first 64 KB anyway).
 */
export function buildXlsx(cells: string[][], options: { descriptor?: boolean; padBeforeSharedStrings?: number } = {}): Buffer {
  const shared: string[] = [];
  const indexOf = (s: string) => {
    const at = shared.indexOf(s);
    if (at >= 0) return at;
    shared.push(s);
    return shared.length - 1;
  };
  const rows = cells
    .map((row, r) => `<row r="${r + 1}">${row.map((c) => `<c t="s"><v>${indexOf(c)}</v></c>`).join('')}</row>`)
    .join('');
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const entries: Array<[string, string]> = [
    ['[Content_Types].xml', '<?xml version="1.0"?><Types/>'],
    ['xl/workbook.xml', '<?xml version="1.0"?><workbook/>'],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0"?><worksheet><sheetData>${rows}</sheetData></worksheet>`],
  ];
  if (options.padBeforeSharedStrings) {
    // Incompressible filler, like a large embedded theme or image before the strings.
    const filler = randomBytes(options.padBeforeSharedStrings);
    entries.push(['xl/media/image1.bin', filler.toString('latin1')]);
  }
  entries.push(['xl/sharedStrings.xml', `<?xml version="1.0"?><sst>${shared.map((s) => `<si><t>${escape(s)}</t></si>`).join('')}</sst>`]);
  const parts: Buffer[] = [];
  for (const [name, text] of entries) {
    const data = deflateRawSync(Buffer.from(text, name.endsWith('.bin') ? 'latin1' : 'utf8'));
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(options.descriptor ? 0x08 : 0, 6);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(options.descriptor ? 0 : data.length, 18);
    header.writeUInt32LE(options.descriptor ? 0 : text.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    parts.push(header, Buffer.from(name), data);
    if (options.descriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(data.length, 8);
      parts.push(descriptor);
    }
  }
  return Buffer.concat(parts);
}
