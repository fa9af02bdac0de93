import { writeFileSync } from 'node:fs';
import type { CliCommand } from '../cli';
import { resolveCipher } from '../store/master-keys';
import { ConcernRepository } from '../store/concern.repo';
import { exportPupil } from '../services/export-pupil';

/**
 * `jigsaw export-pupil --pupil NAME|KEY [--tenant ID] [--out FILE]`: the DPO's subject access
 * export as JSON (to a file created readable by its owner only, or to stdout). Each concern
 * exported is recorded in the access log. Exit code 0, 1 when nothing was found, 2 for usage.
 */
export const exportPupilCommand: CliCommand = {
  name: 'export-pupil',
  summary: 'Subject access: one pupil\'s concerns, chronology and AUP records as JSON',
  usage: 'export-pupil --pupil NAME|KEY [--tenant ID] [--out FILE]',
  async run(args, context) {
    let pupil: string | undefined;
    let tenantId: string | undefined;
    let out: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const value = args[i + 1];
      if (args[i] === '--pupil' && value) pupil = value;
      else if (args[i] === '--tenant' && value) tenantId = value;
      else if (args[i] === '--out' && value) out = value;
      else {
        context.err.write(`Usage: jigsaw ${this.usage}\n`);
        return 2;
      }
      i++;
    }
    if (!pupil?.trim()) {
      context.err.write(`Usage: jigsaw ${this.usage}\n`);
      return 2;
    }
    const { config } = context;
    const cipher = resolveCipher({ keys: config.encryption.keys, activeKeyId: config.encryption.activeKeyId, mode: config.mode, dataDir: config.store.databaseUrl ? undefined : config.store.dataDir });
    const result = await exportPupil({ db: await context.db(), concerns: new ConcernRepository(cipher), now: new Date(), actor: { aadObjectId: 'cli', name: 'jigsaw export-pupil' } }, { pupil, tenantId });
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (out) {
      writeFileSync(out, json, { mode: 0o600, flag: 'wx' });
      context.err.write(`Wrote ${result.concerns.length} concern(s) and ${result.aupAcknowledgements.length} AUP record(s) to ${out}\n`);
    } else {
      context.out.write(json);
    }
    return result.concerns.length || result.aupAcknowledgements.length ? 0 : 1;
  },
};
