import { parseArgs } from 'node:util';
import { getAupVersion, listAupBroadcasts, listStuckAupSends, type StuckAupSend } from '../store/aup.repo';
import { getTenant } from '../store/tenant.repo';
import { formatLocal } from '../domain/clock';
import { safeLogField } from '../logging';
import type { AupCliContext } from './aup-shared';
import { terminalText } from './terminal-text';
import { describeAupPurpose, notRetryableBecause } from '../services/aup-retry';

export const AUP_STUCK_USAGE = 'aup stuck [VERSION_ID]';

/** One person's line: status, when, who (from Entra: shown safely), which card, why. */
export function formatStuckLine(s: StuckAupSend, timeZone: string): string {
  const why = notRetryableBecause(s);
  return `  ${s.status.padEnd(9)} ${formatLocal(s.at, timeZone)}  ${terminalText(s.displayName)} (${terminalText(s.personId)})  ${describeAupPurpose(s.purpose)}${s.reason ? `: ${safeLogField(s.reason, 120)}` : ''}${why ? ` [not retried: ${why}]` : ''}\n`;
}

/**
 * `jigsaw aup stuck [VERSION_ID]`: per broadcast, the people whose card ended `failed` (Teams
 * refused it, or AUP_MAX_SEND_ATTEMPTS ran out) or `uncertain` (the sender stopped mid-call), with
 * when and why: the people `jigsaw aup retry` can re-queue. Names go to this terminal only.
 */
export async function runAupStuck(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  const wanted = positionals[0];
  if (wanted && !(await getAupVersion(ctx.db, ctx.tenantId, wanted))) {
    err.write(`No AUP version ${wanted} (see "jigsaw aup progress" for the versions broadcast)\n`);
    return 2;
  }
  const timeZone = (await getTenant(ctx.db, ctx.tenantId))?.timeZone ?? 'Europe/London';
  const versionIds = wanted ? [wanted] : (await listAupBroadcasts(ctx.db, ctx.tenantId)).map((b) => b.versionId);
  let listed = 0;
  for (const versionId of versionIds) {
    const stuck = await listStuckAupSends(ctx.db, ctx.tenantId, versionId);
    if (!stuck.length) continue;
    const v = await getAupVersion(ctx.db, ctx.tenantId, versionId);
    out.write(`${v?.audience ?? '?'} v${v?.versionNumber ?? '?'} ${versionId}: ${stuck.filter((s) => s.status === 'failed').length} failed, ${stuck.filter((s) => s.status === 'uncertain').length} uncertain\n`);
    for (const s of stuck) out.write(formatStuckLine(s, timeZone));
    listed += stuck.length;
  }
  if (!listed) {
    out.write(wanted ? `Nothing stuck for version ${wanted}: every card was delivered, is on its way, or was not needed.\n` : 'Nothing stuck: every card was delivered, is on its way, or was not needed.\n');
    return 0;
  }
  out.write(`Re-queue them: jigsaw aup retry VERSION_ID --failed [--uncertain] [--person ID]\n`);
  return 0;
}
