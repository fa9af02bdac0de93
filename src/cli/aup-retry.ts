import { parseArgs } from 'node:util';
import { getAupVersion, getLatestAupVersion, listStuckAupSends, requeueStuckAupSends } from '../store/aup.repo';
import { describeAupPurpose, notRetryableBecause } from './aup-stuck';
import type { AupCliContext } from './aup-shared';
import { terminalText } from './terminal-text';

export const AUP_RETRY_USAGE = 'aup retry VERSION_ID [--failed] [--uncertain] [--person ID]';

/**
 * `jigsaw aup retry VERSION_ID --failed|--uncertain`: puts the asks `jigsaw aup stuck` lists back
 * in the queue with a fresh attempt count; the running service's sender delivers them. Opt-in per
 * status: an uncertain card may already be in the person's chat, so retrying it may send a second.
 * People who acknowledged since or left the audience, and versions since replaced, are left out
 * here (and checked again by the sender just before it sends).
 */
export async function runAupRetry(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { failed: { type: 'boolean', default: false }, uncertain: { type: 'boolean', default: false }, person: { type: 'string' } } });
  const [versionId] = positionals;
  if (!versionId || positionals.length > 1) {
    err.write(`Usage: jigsaw ${AUP_RETRY_USAGE}\n`);
    return 2;
  }
  if (!values.failed && !values.uncertain) {
    err.write('Say which cards to send again: --failed (Teams refused them), --uncertain (they may have arrived: a second card is possible), or both.\n');
    return 2;
  }
  const version = await getAupVersion(ctx.db, ctx.tenantId, versionId);
  if (!version) {
    err.write(`No AUP version ${versionId} (see "jigsaw aup stuck" for the versions with cards to retry)\n`);
    return 2;
  }
  const latest = await getLatestAupVersion(ctx.db, ctx.tenantId, version.audience);
  if (latest && latest.versionId !== version.versionId) {
    out.write(`Nothing re-queued: version ${version.versionNumber} of the ${version.audience} policy has been replaced by version ${latest.versionNumber}, whose cards everyone gets instead.\n`);
    return 0;
  }
  const person = values.person?.toLowerCase();
  const statuses = new Set([...(values.failed ? ['failed'] : []), ...(values.uncertain ? ['uncertain'] : [])]);
  const chosen = (await listStuckAupSends(ctx.db, ctx.tenantId, versionId)).filter((s) => statuses.has(s.status) && (!person || s.personId.toLowerCase() === person));
  const leftOut = chosen.map((s) => ({ s, why: notRetryableBecause(s) })).filter((x) => x.why);
  const wanted = chosen.filter((s) => !notRetryableBecause(s));
  const requeued = new Set(await requeueStuckAupSends(ctx.db, ctx.tenantId, versionId, wanted.map((s) => s.sendId), ctx.now()));
  const sent = wanted.filter((s) => requeued.has(s.sendId));
  for (const s of sent) out.write(`  re-queued  ${s.status.padEnd(9)} ${terminalText(s.displayName)} (${terminalText(s.personId)})  ${describeAupPurpose(s.purpose)}\n`);
  for (const { s, why } of leftOut) out.write(`  left out   ${s.status.padEnd(9)} ${terminalText(s.displayName)} (${terminalText(s.personId)}): ${why}\n`);
  const which = [...statuses].join(' or ');
  if (!sent.length) {
    out.write(`Nothing re-queued: no ${which} card${person ? ` for ${values.person}` : ''} to send again for ${version.audience} v${version.versionNumber}${leftOut.length ? ` (${leftOut.length} left out, above)` : ''}.\n`);
    return 0;
  }
  out.write(`Re-queued ${sent.length} card(s) for ${version.audience} v${version.versionNumber}; the running service sends them within a few seconds.${leftOut.length ? ` ${leftOut.length} left out (above).` : ''}\n`);
  const uncertain = sent.filter((s) => s.status === 'uncertain').length;
  if (uncertain) out.write(`Note: ${uncertain} of them were uncertain: the earlier card may have reached them, so they may now see it twice.\n`);
  out.write(`Follow it: jigsaw aup progress ${versionId}\n`);
  return 0;
}
