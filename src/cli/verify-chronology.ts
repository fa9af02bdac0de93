import type { CliCommand } from '../cli';
import { cipherFromConfig } from '../store/master-keys';
import { type ChronologyCheck, verifyChronologies } from '../services/verify-chronology';

/**
 * `jigsaw verify-chronology [--concern REF] [--tenant ID]`: checks that no chronology event was
 * changed, removed or re-ordered. Prints one line per concern (fully keyed, or how many older
 * unkeyed events it has; or BROKEN with its first broken link; or UNVERIFIABLE when a link was
 * made with a master key that is not configured), then a summary.
 * Exit code 0 when every chain holds, 1 when one is broken, 2 for a usage error, 3 when none is
 * broken but some could not be verified (a key is missing).
 */
export const verifyChronologyCommand: CliCommand = {
  name: 'verify-chronology',
  summary: 'Check the hash chain of every concern chronology (or one)',
  usage: 'verify-chronology [--concern C-YYYY-NNNNN] [--tenant ID]',
  async run(args, context) {
    const options: { reference?: string; tenantId?: string } = {};
    for (let i = 0; i < args.length; i++) {
      const value = args[i + 1];
      if ((args[i] === '--concern' || args[i] === '--tenant') && value) {
        if (args[i] === '--concern') options.reference = value.toUpperCase();
        else options.tenantId = value;
        i++;
      } else {
        context.err.write(`Usage: jigsaw ${this.usage}\n`);
        return 2;
      }
    }
    // Keyed links need the master keys (HKDF-derived chronology keys); nothing is decrypted.
    const { config } = context;
    const cipher = cipherFromConfig(config);
    const checks = await verifyChronologies(await context.db(), cipher.chronologyKeys(), options);
    if (options.reference && checks.length === 0) {
      context.err.write(`No concern ${options.reference} was found.\n`);
      return 2;
    }
    for (const check of checks) context.out.write(`${describeCheck(check)}\n`);
    const chronologies = (n: number) => `${n} concern chronolog${n === 1 ? 'y' : 'ies'}`;
    const broken = checks.filter((c) => !c.verdict.ok && c.verdict.kind === 'broken');
    const unverifiable = checks.flatMap((c) => (!c.verdict.ok && c.verdict.kind === 'unverifiable' ? [c.verdict] : []));
    const missingKeys = [...new Set(unverifiable.flatMap((v) => v.missingKeyIds))];
    const why = missingKeys.length ? ` (key${missingKeys.length === 1 ? '' : 's'} ${missingKeys.join(', ')} ${missingKeys.length === 1 ? 'is' : 'are'} not configured)` : '';
    if (broken.length) {
      const alsoUnverifiable = unverifiable.length ? `; ${unverifiable.length} cannot be verified${why}` : '';
      context.out.write(`FAILED: ${broken.length} of ${chronologies(checks.length)} ${broken.length === 1 ? 'is' : 'are'} broken${alsoUnverifiable}.\n`);
      return 1;
    }
    if (unverifiable.length) {
      context.out.write(
        `NOT VERIFIED: ${unverifiable.length} of ${chronologies(checks.length)} cannot be verified${why}; no link that could be checked was broken. ` +
          'Configure the retired master key again (ENCRYPTION_KEYS, not as the active key) and run this again.\n',
      );
      return 3;
    }
    let events = 0;
    let fullyKeyed = 0;
    let withUnkeyed = 0;
    let unkeyedEvents = 0;
    for (const { verdict } of checks) {
      if (!verdict.ok) continue;
      events += verdict.events;
      if (verdict.unkeyedEvents) {
        withUnkeyed++;
        unkeyedEvents += verdict.unkeyedEvents;
      } else fullyKeyed++;
    }
    const unkeyed = withUnkeyed ? `, ${withUnkeyed} with older unkeyed events (${unkeyedEvents} unkeyed event${unkeyedEvents === 1 ? '' : 's'})` : '';
    context.out.write(`OK: ${chronologies(checks.length)}, ${events} events, every hash chain intact; ${fullyKeyed} fully keyed${unkeyed}.\n`);
    return 0;
  },
};

function describeCheck({ reference, verdict }: ChronologyCheck): string {
  if (!verdict.ok) {
    return verdict.kind === 'broken'
      ? `BROKEN ${reference}: ${verdict.reason} (first broken link: event ${verdict.brokenAtSeq})`
      : `UNVERIFIABLE ${reference}: ${verdict.reason}`;
  }
  const events = `${verdict.events} event${verdict.events === 1 ? '' : 's'}`;
  if (verdict.unkeyedEvents === 0) return `OK ${reference}: ${events}, fully keyed`;
  if (verdict.unkeyedEvents === verdict.events) {
    return `OK ${reference}: ${events}, all unkeyed: protected against the application, not against someone with database access`;
  }
  return (
    `OK ${reference}: ${events}, ${verdict.unkeyedEvents} older unkeyed: an edit made to them in the database ` +
    `before keyed event ${verdict.unkeyedEvents + 1} was written could not be detected`
  );
}
