import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../../src/config';

// The README's configuration table is the admin's reference: every setting the schema reads
// must have a row, and every row must be a real setting.
describe('README configuration table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]));
  const settings = Object.keys((ConfigSchema as unknown as { shape: Record<string, unknown> }).shape);

  it('documents every setting', () => {
    expect(settings.filter((s) => !documented.has(s))).toEqual([]);
  });

  it('documents no setting that does not exist', () => {
    expect([...documented].filter((d) => !settings.includes(d))).toEqual([]);
  });

  it("gives each setting's default as the schema has it, where the row names one value", () => {
    const shape = (ConfigSchema as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }> }).shape;
    const rows = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| `([^`|]*)` \|/gm)].map((m) => ({ key: m[1]!, documented: m[2]! }));
    expect(rows.length).toBeGreaterThan(40);
    // Defaults given where the configuration is assembled, not by the schema (checked in config.test.ts).
    const assembledDefaults = new Set(['GRAPH_TENANT_ID', 'AUTHORITY_HOST', 'GRAPH_BASE_URL']);
    const wrong = rows.flatMap(({ key, documented: value }) => {
      if (assembledDefaults.has(key)) return [];
      const parsed = shape[key]?.safeParse(undefined);
      const actual = parsed?.success ? parsed.data : undefined;
      const shown = Array.isArray(actual) ? actual.join(',') : String(actual);
      return shown === value ? [] : [`${key}: README says ${value}, the schema gives ${shown}`];
    });
    expect(wrong).toEqual([]);
  });
});
