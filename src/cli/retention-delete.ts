import type { CliContext } from '../cli';
import { deleteConcernByHand, type DeletionCheck, previewConcernDeletion } from '../services/delete-concern';
import { checkDecision } from './retention-hold';

/**
 * `jigsaw retention --delete REF --reason "…" --by "name" [--tenant ID]`: shows what would be
 * deleted and a confirmation code; the same with `--approve CODE` deletes it and keeps a
 * tombstone. Only a closed concern about an adult, not on legal hold. Exit 0 when shown or
 * deleted; 2, with what to fix and nothing deleted, otherwise.
 */
export async function runDeleteCommand(request: { reference: string; reason?: string; by?: string; tenantId?: string; approve?: string }, context: CliContext): Promise<number> {
  const fail = (message: string) => {
    context.err.write(`${message} Nothing was deleted.\n`);
    return 2;
  };
  const decision = await checkDecision(context, `--delete ${request.reference}`, request, 'why this record must not be kept (say a malicious allegation, as the case manager decided with the LADO)');
  if ('problem' in decision) return fail(decision.problem);
  const reference = decision.reference!;
  const deletion = { tenantId: decision.tenantId, reference, reason: decision.reason, by: decision.by };
  const db = await context.db();
  const refusal = (c: Exclude<DeletionCheck, { kind: 'ready' }>) => {
    switch (c.kind) {
      case 'no-such-concern':
        return fail(`No concern ${reference} is recorded for tenant ${decision.tenantId}: check the reference (and --tenant).`);
      case 'about-a-pupil':
        return fail(`${reference} is a concern about a pupil: those are deleted only by the retention purge, when their period ends.`);
      case 'not-closed':
        return fail(`${reference} is ${c.status}: close it first, with its outcome, then delete it.`);
      case 'on-legal-hold':
        return fail(`${reference} is on legal hold (${c.hold.reason}; since ${c.hold.placedAt.toISOString().slice(0, 10)}; by ${c.hold.placedBy}): it cannot be deleted until the hold is released.`);
    }
  };
  if (request.approve === undefined) {
    const checked = await previewConcernDeletion(db, deletion);
    if (checked.kind !== 'ready') return refusal(checked);
    const p = checked.preview;
    context.out.write(
      `Would delete concern ${p.reference} (about ${p.about === 'headteacher' ? 'the headteacher' : 'an adult'}, ${p.status}, recorded ${p.recordedAt.toISOString().slice(0, 10)}): ` +
        `the concern, its ${p.events} chronology events, its deliveries and its encryption key. Kept: a record that ${p.reference} was deleted, when, by ${decision.by} and why (no content, no names).\n` +
        `Nothing was deleted. To delete it, run the same command with: --approve ${p.code}\n`,
    );
    return 0;
  }
  const outcome = await deleteConcernByHand(db, deletion, request.approve, new Date());
  if (outcome.kind === 'code-mismatch') {
    return fail(`The code ${request.approve} is not the one for deleting ${reference} with this reason and name now: the concern, the reason or the name changed since. Run it again without --approve and check what it shows.`);
  }
  if (outcome.kind !== 'deleted') return refusal(outcome);
  context.logger.info({ tenantId: decision.tenantId, reference, counts: outcome.counts }, 'concern deleted by hand');
  context.out.write(`Deleted concern ${reference} (rows: ${JSON.stringify(outcome.counts)}). Recorded in concern_deletions: when, by ${decision.by} and why.\n`);
  return 0;
}
