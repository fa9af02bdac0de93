import type { CliCommand } from '../cli';
import { verifyChronologies } from '../services/verify-chronology';

/**
 * `jigsaw verify-chronology [--concern REF] [--tenant ID]`: checks that no chronology event was
 * changed, removed or re-ordered. Prints OK, or names each concern and its first broken link.
 * Exit code 0 when every chain holds, 1 when one is broken, 2 for a usage error.
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
    // Hashes cover the stored ciphertext, so verification needs no encryption key.
    const checks = await verifyChronologies(await context.db(), options);
    if (options.reference && checks.length === 0) {
      context.err.write(`No concern ${options.reference} was found.\n`);
      return 2;
    }
    let events = 0;
    const broken = checks.filter((c) => !c.verdict.ok);
    for (const check of checks) {
      if (check.verdict.ok) events += check.verdict.events;
      else context.out.write(`BROKEN ${check.reference}: ${check.verdict.reason} (first broken link: event ${check.verdict.brokenAtSeq})\n`);
    }
    if (broken.length) {
      context.out.write(`FAILED: ${broken.length} of ${checks.length} concern chronolog${checks.length === 1 ? 'y is' : 'ies are'} broken.\n`);
      return 1;
    }
    context.out.write(`OK: ${checks.length} concern chronolog${checks.length === 1 ? 'y' : 'ies'}, ${events} events, every hash chain intact.\n`);
    return 0;
  },
};
