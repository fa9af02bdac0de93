import { parseArgs } from 'node:util';
import { writeOutputFile } from './file-errors';
import { AUDIENCES, isAudience } from '../domain/aup/types';
import { buildAupRegister, governorAupCounts, registerToCsv } from '../services/aup-register';
import type { AupCliContext } from './aup-shared';
import { terminalText } from './terminal-text';
import { localDateTime } from '../domain/clock';
import { getTenant } from '../store/tenant.repo';

export const AUP_STATUS_USAGE = 'aup status [--audience A] [--csv FILE] [--counts]';

/** `jigsaw aup status`: the register (counts per audience, outstanding people), or all of it as CSV. */
export async function runAupStatus(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { values } = parseArgs({ args, strict: true, options: { audience: { type: 'string' }, csv: { type: 'string' }, counts: { type: 'boolean', default: false } } });
  if (values.audience && !isAudience(values.audience)) {
    err.write(`unknown audience "${values.audience}": use one of ${AUDIENCES.join(', ')}\n`);
    return 2;
  }
  const deps = { db: ctx.db, now: ctx.now, rules: ctx.rules };
  const entries = await buildAupRegister(deps, ctx.tenantId, values.audience as Parameters<typeof buildAupRegister>[2]);
  const timeZone = (await getTenant(ctx.db, ctx.tenantId))?.timeZone ?? 'Europe/London';
  if (values.csv) {
    writeOutputFile(values.csv, registerToCsv(entries, timeZone));
    out.write(`Wrote ${entries.length} register line(s) to ${values.csv}\n`);
  }
  const counts = (await governorAupCounts(deps, ctx.tenantId)).filter((c) => !values.audience || c.audience === values.audience);
  if (!counts.length) {
    out.write('No Acceptable Use Policy has been published yet ("jigsaw aup publish FILE").\n');
    return 0;
  }
  out.write(`${'policy'.padEnd(12)} ${'version'.padStart(7)} ${'current'.padStart(8)} ${'expired'.padStart(8)} ${'outstanding'.padStart(12)} ${'never asked'.padStart(12)} ${'total'.padStart(6)}\n`);
  for (const c of counts) out.write(`${c.audience.padEnd(12)} ${String(c.versionNumber).padStart(7)} ${String(c.current).padStart(8)} ${String(c.expired).padStart(8)} ${String(c.outstanding).padStart(12)} ${String(c.neverAsked).padStart(12)} ${String(c.total).padStart(6)}\n`);
  if (!values.counts) {
    const due = entries.filter((e) => e.status === 'outstanding' || e.status === 'expired');
    if (due.length) {
      out.write(`\nNot current (${due.length}):\n`);
      for (const e of due.slice(0, 200)) out.write(`  ${e.audience.padEnd(12)} ${e.status.padEnd(12)} ${terminalText(e.displayName)}${e.lastAck ? ` (v${e.lastAck.versionNumber} ${localDateTime(e.lastAck.acknowledgedAt, timeZone).date})` : ''}\n`);
      if (due.length > 200) out.write(`  …and ${due.length - 200} more (use --csv FILE)\n`);
    }
  }
  return 0;
}
