import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import type { CliCommand } from '../cli';
import { cipherFromConfig, wrongMasterKeysProblem } from '../store/master-keys';
import { ConcernRepository } from '../store/concern.repo';
import { rekeyPupils } from '../store/pupil-rekey';
import { exportPupil } from '../services/export-pupil';

/**
 * `jigsaw export-pupil --pupil NAME|KEY [--tenant ID] [--out FILE]`: the DPO's subject access
 * export as JSON (to a file created readable by its owner only, or to stdout). Each concern
 * exported is recorded in the access log. With more than one school in the store, --tenant is
 * required. Exit code 0, 1 when nothing was found or the file cannot be created, 2 for usage (or
 * a configured master key that is not the one the records were encrypted with).
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
    const db = await context.db();
    if (!tenantId) {
      // A pupil of the same name at another school of the deployment (a trust) is another child:
      // their records must never reach this request. With more than one school, name it.
      const schools = await db.query<{ tenant_id: string; school_name: string }>('SELECT tenant_id, school_name FROM tenants ORDER BY school_name, tenant_id');
      if (schools.length > 1) {
        context.err.write(
          `This deployment holds ${schools.length} schools: name the pupil's school with --tenant ID (a pupil of the same name at another school is a different child).\n${schools.map((s) => `  --tenant ${s.tenant_id}   ${s.school_name}`).join('\n')}\n`,
        );
        return 2;
      }
    }
    const cipher = cipherFromConfig(config);
    const wrongKey = await wrongMasterKeysProblem(db, cipher);
    if (wrongKey) {
      context.err.write(`${wrongKey}\n`);
      return 2;
    }
    // Keys stored by an older version are brought up to date first, as the app does at start-up:
    // the pupil is looked up by the current key.
    await rekeyPupils(db, cipher);
    // The file is created (never overwritten) before anything is read, so an export that cannot
    // be written is not recorded in the access log as made; it is removed if the export fails.
    let fd: number | undefined;
    try {
      fd = out === undefined ? undefined : openSync(out, 'wx', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      context.err.write(code === 'EEXIST' ? `${out} already exists: an export never overwrites a file. Choose another --out path.\n` : `Cannot create ${out} (${code ?? 'error'}): choose a folder you can write to.\n`);
      return 1;
    }
    let result: Awaited<ReturnType<typeof exportPupil>>;
    try {
      result = await exportPupil({ db, concerns: new ConcernRepository(cipher), now: new Date(), actor: { aadObjectId: 'cli', name: 'jigsaw export-pupil' } }, { pupil, tenantId });
    } catch (err) {
      if (fd !== undefined) {
        closeSync(fd);
        unlinkSync(out!);
      }
      throw err;
    }
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (fd !== undefined) {
      try {
        writeFileSync(fd, json);
      } finally {
        closeSync(fd);
      }
      context.err.write(`Wrote ${result.concerns.length} concern(s), ${result.fileTransfers.length} file transfer(s) and ${result.aupAcknowledgements.length} AUP record(s) to ${out}\n`);
    } else {
      context.out.write(json);
    }
    return result.concerns.length || result.fileTransfers.length || result.aupAcknowledgements.length ? 0 : 1;
  },
};
