import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationFiles } from './migrate';

describe('migrationFiles', () => {
  it('gives every shipped migration its own version', () => {
    const files = migrationFiles();
    expect(files.length).toBeGreaterThan(10);
    expect(new Set(files.map((f) => f.slice(0, 14))).size).toBe(files.length);
  });

  it('refuses two files with one version, naming both, rather than skipping one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-migrations-'));
    try {
      for (const name of ['20261129090000-legal-holds.sql', '20261129090000-outbox-throttled-attempts.sql', '20261128100000-held-allegations.sql', 'README.md']) writeFileSync(join(dir, name), '');
      expect(() => migrationFiles(dir)).toThrow('two migrations share the version 20261129090000: 20261129090000-legal-holds.sql and 20261129090000-outbox-throttled-attempts.sql; give one a later version');
      rmSync(join(dir, '20261129090000-outbox-throttled-attempts.sql'));
      expect(migrationFiles(dir)).toEqual(['20261128100000-held-allegations.sql', '20261129090000-legal-holds.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
