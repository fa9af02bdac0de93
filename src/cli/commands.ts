import type { CliCommand } from '../cli';
import { auditSharingCommand } from './audit-sharing';
import { remediateCommand } from './remediate';
import { aupCommand } from './aup';
import { verifyChronologyCommand } from './verify-chronology';
import { rotateKeyCommand } from './rotate-key';
import { retentionCommand } from './retention';
import { exportPupilCommand } from './export-pupil';

/** Every `jigsaw` command, one import and one entry each. */
export const CLI_COMMANDS: CliCommand[] = [auditSharingCommand, remediateCommand, verifyChronologyCommand, rotateKeyCommand, aupCommand, retentionCommand, exportPupilCommand];
