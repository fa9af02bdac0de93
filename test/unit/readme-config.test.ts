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
});
