import { ConfigError, loadConfig, type Config } from './config';
import { openStore } from './store/open-store';
import type { Db } from './store/db';
import { createLogger, describeError, type Logger } from './logging';
import { CLI_COMMANDS } from './cli/commands';
import { describeFileError } from './cli/file-errors';

/**
 * The `jigsaw` command for admins and scripts. Each command is a file in src/cli/ registered
 * in src/cli/commands.ts; they drive the same services as the bot and the tab.
 */
export interface CliContext {
  config: Config;
  /** Opened on first use; closed when the command ends. */
  db(): Promise<Db>;
  logger: Logger;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  isTTY: boolean;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], context: CliContext): Promise<number>;
}

export async function runCli(argv: string[], env: Record<string, string | undefined>, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...args] = argv;
  const command = CLI_COMMANDS.find((c) => c.name === name);
  if (!command || name === 'help' || name === '--help') {
    const asked = !name || name === 'help' || name === '--help';
    // A mistyped command is an error: said on stderr, with the list, so a script sees exit 2 and why.
    const to = asked ? out : err;
    if (!asked) to.write(`Unknown command "${name}".\n`);
    to.write('Usage: jigsaw <command> [options]\n\nCommands:\n');
    for (const c of CLI_COMMANDS) to.write(`  ${c.usage.padEnd(52)} ${c.summary}\n`);
    return asked ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let db: Db | undefined;
  const context: CliContext = {
    config,
    logger: createLogger(env.LOG_LEVEL ?? 'warn', undefined),
    out,
    err,
    isTTY: Boolean((out as { isTTY?: boolean }).isTTY),
    async db() {
      db ??= await openStore({ databaseUrl: config.store.databaseUrl, ownerUrl: config.store.ownerUrl, dataDir: config.store.dataDir });
      return db;
    },
  };
  try {
    return await command.run(args, context);
  } catch (e) {
    const fileProblem = describeFileError(e);
    if (fileProblem) {
      err.write(`jigsaw ${name}: ${fileProblem}\n`);
      return 2;
    }
    err.write(`jigsaw ${name} failed: ${String(describeError(e).errorMessage ?? 'unknown error')}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
