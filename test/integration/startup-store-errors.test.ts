import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJigsaw } from '../../src/app';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';

/** A store that cannot be opened stops start-up with a message naming the setting to fix. */
describe('start-up when the store cannot be opened', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names DATA_DIR and its path when the embedded database cannot be created there', async () => {
    const notAFolder = join(dir, 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    await expect(createJigsaw(loadConfig({ DATA_DIR: notAFolder }), { logger: silentLogger })).rejects.toThrow(`cannot open the embedded database in DATA_DIR (${notAFolder})`);
  });

  it('names DATABASE_URL with its host and database, never its password, when the server cannot be reached', async () => {
    // Port 1 on the loopback address: nothing listens there, so the connection is refused at once.
    const config = loadConfig({ DATABASE_URL: 'postgres://jigsaw_app:s3cret-Pa55@127.0.0.1:1/jigsaw' });
    const failure = await createJigsaw(config, { logger: silentLogger }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/^cannot open the database named by DATABASE_URL \(127\.0\.0\.1:1\/jigsaw\): .*ECONNREFUSED/);
    expect(failure).not.toContain('s3cret-Pa55');
  });
});
