import type { CliCommand } from '../cli';
import { verifyChronologyCommand } from './verify-chronology';
import { rotateKeyCommand } from './rotate-key';

/** Every `jigsaw` command, one import and one entry each. */
export const CLI_COMMANDS: CliCommand[] = [verifyChronologyCommand, rotateKeyCommand];
