import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from '../cli';
import type { Db } from '../store/db';
import { cipherFromConfig, wrongMasterKeysProblem } from '../store/master-keys';
import { type ChronologyCheckpoint, parseCheckpoint } from '../domain/concerns/chronology-checkpoint';
import { type ChronologyCheck, checkpointOf, compareWithCheckpoint, verifyChronologies } from '../services/verify-chronology';

/**
 * `jigsaw verify-chronology`: checks that no chronology event was changed, removed or
 * re-ordered. Prints one line per concern (fully keyed, or how many older unkeyed events it has;
 * or BROKEN with its first broken link; or UNVERIFIABLE when a link was made with a master key
 * that is not configured), then a summary. `--write-checkpoint FILE` anchors where every
 * chronology ends, to keep outside the database; `--against FILE` checks that every event an
 * earlier checkpoint anchored is still there, unchanged (docs/admin-guide.md).
 * Exit code 0 when every chain (and anchor) holds, 1 when one is broken, 2 for a usage error
 * (or a configured master key that is not the one the records were wrapped with: nothing is checked),
 * 3 when none is broken but some could not be verified (a key is missing).
 */
const USAGE = 'verify-chronology [--concern C-YYYY-NNNNN] [--tenant ID] [--write-checkpoint FILE] [--against FILE]';

export const verifyChronologyCommand: CliCommand = {
  name: 'verify-chronology',
  summary: 'Check the hash chain of every concern chronology (or one); write or check a checkpoint',
  usage: USAGE,
  async run(args, context) {
    let values;
    try {
      values = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: { concern: { type: 'string' }, tenant: { type: 'string' }, 'write-checkpoint': { type: 'string' }, against: { type: 'string' } },
      }).values;
    } catch (err) {
      context.err.write(`${(err as Error).message}\nUsage: jigsaw ${USAGE}\n`);
      return 2;
    }
    const options = { reference: values.concern?.toUpperCase(), tenantId: values.tenant };
    // Read the checkpoint first: a file that cannot be used is a usage error, before any work.
    let anchor: { path: string; checkpoint: ChronologyCheckpoint; digestMatches: boolean } | undefined;
    if (values.against) {
      const read = readCheckpointFile(values.against);
      if (!read.ok) {
        context.err.write(`${values.against} cannot be used as a checkpoint: ${read.reason}.\n`);
        return 2;
      }
      anchor = { path: values.against, checkpoint: read.checkpoint, digestMatches: read.digestMatches };
    }
    // Keyed links need the master keys (HKDF-derived chronology keys); nothing is decrypted.
    const { config } = context;
    const cipher = cipherFromConfig(config);
    const db = await context.db();
    // A wrong key under the right id would make every link made under it look tampered with.
    const wrongKey = await wrongMasterKeysProblem(db, cipher);
    if (wrongKey) {
      context.err.write(`${wrongKey}\n`);
      return 2;
    }
    const checks = await verifyChronologies(db, cipher.chronologyKeys(), options);
    if (options.reference && checks.length === 0 && !anchor?.checkpoint.concerns.some((e) => e.reference === options.reference)) {
      context.err.write(`No concern ${options.reference} was found.\n`);
      return 2;
    }
    for (const check of checks) context.out.write(`${describeCheck(check)}\n`);
    let code = summarise(checks, context.out);
    if (anchor) code = worst(code, await reportAnchors(db, anchor, checks, options, context.out));
    if (values['write-checkpoint']) code = worst(code, writeCheckpoint(values['write-checkpoint'], checks, context));
    return code;
  },
};

/** 1 (something failed) outranks 3 (something could not be checked) outranks 0. */
const worst = (a: number, b: number) => (a === 1 || b === 1 ? 1 : Math.max(a, b));

const chronologies = (n: number) => `${n} concern chronolog${n === 1 ? 'y' : 'ies'}`;

/** The summary line of the chain checks; returns the exit code they call for. */
function summarise(checks: readonly ChronologyCheck[], out: NodeJS.WritableStream): number {
  const broken = checks.filter((c) => !c.verdict.ok && c.verdict.kind === 'broken');
  const unverifiable = checks.flatMap((c) => (!c.verdict.ok && c.verdict.kind === 'unverifiable' ? [c.verdict] : []));
  const missingKeys = [...new Set(unverifiable.flatMap((v) => v.missingKeyIds))];
  const why = missingKeys.length ? ` (key${missingKeys.length === 1 ? '' : 's'} ${missingKeys.join(', ')} ${missingKeys.length === 1 ? 'is' : 'are'} not configured)` : '';
  if (broken.length) {
    const alsoUnverifiable = unverifiable.length ? `; ${unverifiable.length} cannot be verified${why}` : '';
    out.write(`FAILED: ${broken.length} of ${chronologies(checks.length)} ${broken.length === 1 ? 'is' : 'are'} broken${alsoUnverifiable}.\n`);
    return 1;
  }
  if (unverifiable.length) {
    out.write(
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
  out.write(`OK: ${chronologies(checks.length)}, ${events} events, every hash chain intact; ${fullyKeyed} fully keyed${unkeyed}.\n`);
  return 0;
}

function readCheckpointFile(path: string): ReturnType<typeof parseCheckpoint> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? 'error'})` };
  }
  return parseCheckpoint(text);
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** One line per anchored chronology that did not simply hold, then a summary; returns the exit code. */
async function reportAnchors(
  db: Db,
  anchor: { path: string; checkpoint: ChronologyCheckpoint; digestMatches: boolean },
  checks: readonly ChronologyCheck[],
  filter: { tenantId?: string; reference?: string },
  out: NodeJS.WritableStream,
): Promise<number> {
  const { checkpoint } = anchor;
  out.write(`Checkpoint ${anchor.path}, written ${checkpoint.writtenAt}, digest ${checkpoint.digest}: compare the digest with the one you wrote down.\n`);
  if (!anchor.digestMatches) {
    out.write('CHECKPOINT FAILED: the file was changed after it was written (its content does not match its digest). Use a copy that matches the digest you wrote down.\n');
    return 1;
  }
  const results = await compareWithCheckpoint(db, checkpoint, checks, filter);
  let failed = 0;
  let purged = 0;
  let deleted = 0;
  let added = 0;
  for (const { entry, verdict } of results) {
    const ref = entry.reference;
    switch (verdict.kind) {
      case 'held':
        added += verdict.eventsSince;
        break;
      case 'purged':
        purged++;
        out.write(`PURGED ${ref}: deleted by the retention purge on ${day(verdict.purgedAt)}\n`);
        break;
      case 'deleted':
        deleted++;
        out.write(`DELETED ${ref}: deleted by hand on ${day(verdict.deletedAt)} (jigsaw retention --delete; the reason is in concern_deletions)\n`);
        break;
      case 'shortened':
        failed++;
        out.write(`CHANGED ${ref}: ${entry.events} events were anchored, ${verdict.events} are stored now: the newest were removed, or an earlier state was restored\n`);
        break;
      case 'rewritten':
        failed++;
        out.write(`CHANGED ${ref}: event ${entry.events} is not the one anchored: the chronology was rewritten, or an earlier state was restored and added to\n`);
        break;
      case 'missing':
        failed++;
        out.write(`MISSING ${ref}: anchored, but not in the database, and no retention purge of it is recorded\n`);
        break;
    }
  }
  const purgedWords = `${purged ? `; ${purged} purged under retention` : ''}${deleted ? `; ${deleted} deleted by hand` : ''}`;
  if (failed) {
    out.write(`CHECKPOINT FAILED: ${failed} of ${chronologies(results.length)} anchored changed or went missing${purgedWords}: treat it as a safeguarding records incident.\n`);
    return 1;
  }
  out.write(`CHECKPOINT HELD: every anchored event of ${chronologies(results.length - purged - deleted)} is still there, unchanged (${added} event${added === 1 ? '' : 's'} added since)${purgedWords}.\n`);
  return 0;
}

/** Writes a checkpoint of the chronologies just checked, if every one held; returns the exit code. */
function writeCheckpoint(path: string, checks: readonly ChronologyCheck[], context: CliContext): number {
  const checkpoint = checkpointOf(checks, new Date());
  if (!checkpoint) {
    context.err.write(`No checkpoint written to ${path}: only chronologies that all verify can be anchored.\n`);
    return 0;
  }
  try {
    // Never over an earlier checkpoint: each one is evidence in its own right.
    writeFileSync(path, `${JSON.stringify(checkpoint, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    context.err.write(code === 'EEXIST' ? `${path} already exists: give a new file name (keep earlier checkpoints).\n` : `${path} could not be written (${code ?? 'error'}).\n`);
    return 2;
  }
  context.out.write(
    `Checkpoint written to ${path}: ${chronologies(checkpoint.concerns.length)} anchored; digest ${checkpoint.digest}. ` +
      'Keep the file away from the database, and write the digest down where its administrators cannot change it (the governors\' minutes, say).\n',
  );
  return 0;
}

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
