import { parseArgs } from 'node:util';
import { describeAupPurpose, retryStuckAupCards, type StuckStatus } from '../services/aup-retry';
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
  const statuses = new Set<StuckStatus>([...(values.failed ? ['failed' as const] : []), ...(values.uncertain ? ['uncertain' as const] : [])]);
  const outcome = await retryStuckAupCards({ db: ctx.db, now: ctx.now }, { tenantId: ctx.tenantId, versionId, statuses, personId: values.person });
  if (outcome.kind === 'no-version') {
    err.write(`No AUP version ${versionId} (see "jigsaw aup stuck" for the versions with cards to retry)\n`);
    return 2;
  }
  const version = outcome.version;
  if (outcome.kind === 'replaced') {
    out.write(`Nothing re-queued: version ${version.versionNumber} of the ${version.audience} policy has been replaced by version ${outcome.latest.versionNumber}, whose cards everyone gets instead.\n`);
    return 0;
  }
  const { requeued: sent, leftOut } = outcome;
  const person = values.person;
  for (const s of sent) out.write(`  re-queued  ${s.status.padEnd(9)} ${terminalText(s.displayName)} (${terminalText(s.personId)})  ${describeAupPurpose(s.purpose)}\n`);
  for (const { send: s, why } of leftOut) out.write(`  left out   ${s.status.padEnd(9)} ${terminalText(s.displayName)} (${terminalText(s.personId)}): ${why}\n`);
  const which = [...statuses].join(' or ');
  if (!sent.length) {
    out.write(`Nothing re-queued: no ${which} card${person ? ` for ${terminalText(person)}` : ''} to send again for ${version.audience} v${version.versionNumber}${leftOut.length ? ` (${leftOut.length} left out, above)` : ''}.\n`);
    return 0;
  }
  out.write(`Re-queued ${sent.length} card(s) for ${version.audience} v${version.versionNumber}; the running service sends them within a few seconds.${leftOut.length ? ` ${leftOut.length} left out (above).` : ''}\n`);
  const uncertain = sent.filter((s) => s.status === 'uncertain').length;
  if (uncertain) out.write(`Note: ${uncertain} of them were uncertain: the earlier card may have reached them, so they may now see it twice.\n`);
  out.write(`Follow it: jigsaw aup progress ${versionId}\n`);
  return 0;
}
