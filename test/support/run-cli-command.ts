import { Writable } from 'node:stream';
import type { CliCommand, CliContext } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import type { Db } from '../../src/store/db';

/** Runs one CLI command against an open store with the given environment; returns its exit code and output. */
export async function runCliCommand(command: CliCommand, args: string[], db: Db, env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (append(String(chunk)), cb()) });
  const context: CliContext = {
    config: loadConfig(env),
    db: async () => db,
    logger: silentLogger,
    out: sink((s) => (out += s)),
    err: sink((s) => (err += s)),
    isTTY: false,
  };
  const code = await command.run(args, context);
  return { code, out, err };
}
