import { parseArgs } from 'node:util';
import { readInputFile } from './file-errors';
import { importAupAcknowledgements } from '../services/aup-import';
import { askAudienceNewcomers, syncAudienceFromCsv } from '../services/aup-audience';
import { AUDIENCES, isAudience } from '../domain/aup/types';
import { getTenant } from '../store/tenant.repo';
import { actingAdmin, type AupCliContext } from './aup-shared';

export const AUP_IMPORT_USAGE = 'aup import FILE [--by AAD_ID]';
export const AUP_AUDIENCE_USAGE = 'aup audience AUDIENCE --csv FILE';

/** `jigsaw aup import FILE`: paper and online-form acknowledgements into the register (all or nothing). */
export async function runAupImport(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { by: { type: 'string' } } });
  const [file] = positionals;
  if (!file) {
    err.write(`Usage: jigsaw ${AUP_IMPORT_USAGE}\n`);
    return 2;
  }
  const by = (await actingAdmin(ctx, values.by)) ?? 'cli';
  const timeZone = (await getTenant(ctx.db, ctx.tenantId))?.timeZone ?? 'Europe/London';
  const result = await importAupAcknowledgements({ db: ctx.db, now: ctx.now, timeZone }, { tenantId: ctx.tenantId, csv: readInputFile(file), importedBy: by });
  if (result.problems.length) {
    err.write(`${file}: nothing imported; fix these lines and run again:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  out.write(`Imported ${result.imported} acknowledgement(s)${result.alreadyRecorded ? `; ${result.alreadyRecorded} were already in the register` : ''}.\n`);
  return 0;
}

/** `jigsaw aup audience AUDIENCE --csv FILE`: sets an audience from a CSV (volunteers, contractors…). */
export async function runAupAudience(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { csv: { type: 'string' } } });
  const [audience] = positionals;
  if (!audience || !values.csv) {
    err.write(`Usage: jigsaw ${AUP_AUDIENCE_USAGE}\n`);
    return 2;
  }
  if (!isAudience(audience)) {
    err.write(`unknown audience "${audience}": use one of ${AUDIENCES.join(', ')}\n`);
    return 2;
  }
  const result = await syncAudienceFromCsv({ db: ctx.db, now: ctx.now }, { tenantId: ctx.tenantId, audience, csv: readInputFile(values.csv) });
  if (result.problems.length) {
    err.write(`${values.csv}:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  out.write(`Audience ${audience}: ${result.members} people from ${values.csv}\n`);
  // People new to the audience are asked the published version now, not at the next publish.
  const asked = await askAudienceNewcomers({ db: ctx.db, now: ctx.now }, { tenantId: ctx.tenantId, audience });
  if (asked.version !== null) {
    out.write(`Version ${asked.version}: ${asked.queued} card(s) queued for Teams to people new to the audience; ${asked.offline} person(s) without Teams (collect on paper or by form, then "jigsaw aup import")\n`);
  }
  return 0;
}
