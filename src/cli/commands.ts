import type { CliCommand } from '../cli';

/** Every `jigsaw` command, one import and one entry each. */
export const CLI_COMMANDS: CliCommand[] = [];
