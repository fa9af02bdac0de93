import type { Db } from '../store/db';
import { isUniqueViolation } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { enqueueOutbox } from '../store/outbox.repo';
import { logAccess } from '../store/access-log.repo';
import { findDeliveryTarget } from '../store/concern-delivery.repo';
import { cancelConcernTimers } from '../store/timer.repo';
import {
  addParticipant,
  findAppliedAction,
  findConcernsByReference,
  findParticipantGrant,
  findReachablePerson,
  isDslChannelRegistered,
  isParticipant,
  linkConcerns,
  lockConcernForTriage,
  participantCopyState,
  recordAppliedAction,
  removeParticipant,
  saveTriageState,
  type TriageRow,
} from '../store/triage.repo';
import type { Person, RecipientRole } from '../domain/concerns/concern';
import { decideTriage, type TriageCommand, type TriageState } from '../domain/concerns/triage';
import { DSL_CHANNEL_TARGET, OUTBOX_KINDS, userTarget } from './report-concern';
import { type PatternSettings, raisePatternAlerts } from './pattern-alerts';
import { checkTriageAccess, mayTakeOver } from './triage-access';

/** Outbox kinds triage adds; each is rendered from the store at send time (no narrative in the outbox). */
export const TRIAGE_OUTBOX_KINDS = {
  /** Updates every card already posted for the concern (channel, escalation re-posts, private copies). */
  updateCards: 'concern.update-cards',
  reporterFeedback: 'concern.reporter-feedback',
  escalationRepost: 'concern.escalation-repost',
  escalationToPerson: 'concern.escalation-to-person',
  participantCopy: 'concern.participant-copy',
  /** To the previous owner, privately, when someone takes the concern over (if they can still see it). */
  takenOverNotice: 'concern.taken-over-notice',
} as const;

export interface TriageDeps {
  db: Db;
  concerns: ConcernRepository;
  now: () => Date;
  patterns: PatternSettings;
}

export type TriageResult =
  | { kind: 'applied'; row: TriageRow; state: TriageState; seq: number }
  | { kind: 'duplicate'; row: TriageRow }
  | { kind: 'rejected'; row: TriageRow; reason: string; code: string }
  | { kind: 'not-found' };

/**
 * Applies one triage command in ONE transaction: the concern row is locked, the action id is
 * checked (a duplicated invoke is applied once), the state machine decides on the committed
 * state, and the new state, the chronology event (narrative sealed under the concern's key),
 * the links, the timer cancellation and the outbox rows (card update, reporter feedback,
 * pattern alert) commit together. Authorisation is the caller's job, before this.
 */
export async function applyTriageAction(
  deps: TriageDeps,
  input: {
    tenantId: string;
    concernId: string;
    actor: Person;
    command: TriageCommand;
    actionId: string;
    verb: string;
    /**
     * The access-log row of an applied action (outcome `allowed`), written in the same
     * transaction: the audit has the action exactly when the chronology does, and nothing that
     * can fail is left between the commit and the answer "Recorded".
     */
    accessLog?: { actorName?: string; reason?: string };
  },
): Promise<TriageResult> {
  const now = deps.now();
  const run = () =>
    deps.db.transaction(async (tx): Promise<TriageResult> => {
      const row = await lockConcernForTriage(tx, input.tenantId, input.concernId);
      if (!row) return { kind: 'not-found' };
      if (await findAppliedAction(tx, input.tenantId, input.actionId)) return { kind: 'duplicate', row };

      const command = input.command;
      let linkedIds: string[] = [];
      let participantName: string | undefined;
      let alreadyParticipant = false;
      if (command.kind === 'link' && command.references.length) {
        const found: Awaited<ReturnType<typeof findConcernsByReference>> = [];
        for (const c of await findConcernsByReference(tx, input.tenantId, command.references)) {
          if (await canLinkTo(tx, input.tenantId, c, row.recipient, input.actor)) found.push(c);
        }
        const missing = command.references.filter((r) => !found.some((f) => f.reference === r));
        if (missing.length) return { kind: 'rejected', row, code: 'unknown-reference', reason: `No concern ${missing[0]} that you can link to was found.` };
        linkedIds = found.filter((f) => f.concernId !== row.concernId).map((f) => f.concernId);
      }
      if (command.kind === 'add-participant') {
        // By id: anyone Jigsaw can reach, not only those a card's (cut-short) list could name.
        const person = await findReachablePerson(tx, input.tenantId, command.aadObjectId);
        if (!person) return { kind: 'rejected', row, code: 'unknown-person', reason: 'That person cannot be given access: Jigsaw does not know them yet.' };
        participantName = person.displayName ?? 'a member of staff';
        alreadyParticipant = await isParticipant(tx, input.tenantId, row.concernId, person.aadObjectId);
      }

      let grant: { givenBy: string; givenByName?: string; givenAt: string } | undefined;
      let mayManageAccess = false;
      if (command.kind === 'add-participant' || command.kind === 'withdraw-participant') {
        // Who may give or withdraw access: the concern's recipient now, from the server's records
        // under the concern's lock (never a person only given access). The bot and the tab check
        // it first to answer at once; this is the check that counts.
        const access = await checkTriageAccess(tx, input.tenantId, row, input.actor);
        mayManageAccess = access.allowed && access.as === 'recipient';
      }
      if (command.kind === 'withdraw-participant') {
        const stored = await findParticipantGrant(tx, input.tenantId, row.concernId, command.aadObjectId);
        if (stored) {
          participantName = stored.displayName ?? 'a member of staff';
          // Who gave it, by name, as the chronology recorded it when they did.
          const given = (await deps.concerns.listEvents(tx, input.tenantId, row.concernId)).filter((e) => e.type === 'participant-added' && e.details.participant === command.aadObjectId).at(-1);
          grant = { givenBy: stored.addedBy, givenByName: given?.actor.name, givenAt: stored.addedAt.toISOString() };
        }
      }

      // Who may take over is decided here, under the concern's lock, from the server's records.
      const takeOverAllowed = command.kind === 'take-over' && mayTakeOver(await checkTriageAccess(tx, input.tenantId, row, input.actor), row.recipient);

      const decision = decideTriage(row.state, command, input.actor, { reference: row.reference, about: row.about, participantName, alreadyParticipant, mayTakeOver: takeOverAllowed, mayManageAccess, grant });
      if (!decision.ok) return { kind: 'rejected', row, reason: decision.reason, code: decision.code };

      const dataKey = await deps.concerns.dataKey(tx, input.tenantId, row.concernId);
      await saveTriageState(tx, input.tenantId, row.concernId, decision.next, now);
      const event = await deps.concerns.appendEvent(tx, input.tenantId, row.concernId, dataKey, {
        type: decision.event.type,
        actor: input.actor,
        occurredAt: now,
        details: decision.event.details,
      });
      await recordAppliedAction(tx, { tenantId: input.tenantId, actionId: input.actionId, concernId: row.concernId, actorAadId: input.actor.aadObjectId, verb: input.verb, eventSeq: event.seq, now });

      if (command.kind === 'link') {
        await linkConcerns(tx, input.tenantId, row.concernId, linkedIds, input.actor.aadObjectId, now);
        const addedKeys = await deps.concerns.addPupils(tx, input.tenantId, row.concernId, dataKey, command.pupils, input.actor.aadObjectId);
        if (row.recipient === 'dsl-team' && addedKeys.length) await raisePatternAlerts(tx, input.tenantId, addedKeys, now, deps.patterns);
      }
      if (command.kind === 'add-participant') {
        await addParticipant(tx, input.tenantId, row.concernId, { aadObjectId: command.aadObjectId, displayName: participantName }, input.actor.aadObjectId, now);
        // Given access again after a withdrawal: a copy they were sent before is shown again by
        // the card update below; one that never reached them (withdrawn first) is queued anew.
        const copy = await participantCopyState(tx, input.tenantId, row.concernId, command.aadObjectId, TRIAGE_OUTBOX_KINDS.participantCopy);
        if (copy !== 'on-its-way') {
          await enqueueOutbox(tx, {
            tenantId: input.tenantId,
            idempotencyKey: `concern:${row.concernId}:participant:${command.aadObjectId}${copy === 'undelivered' ? `:${event.seq}` : ''}`,
            kind: TRIAGE_OUTBOX_KINDS.participantCopy,
            targetKey: userTarget(command.aadObjectId),
            payload: { concernId: row.concernId, aadObjectId: command.aadObjectId },
          });
        }
      }
      if (command.kind === 'withdraw-participant') {
        // Their copy in their chat is replaced by the card update queued below (access is checked
        // per copy at send time), and a copy still queued for them is not sent (checked again).
        await removeParticipant(tx, input.tenantId, row.concernId, command.aadObjectId);
      }
      const previousOwner = row.state.owner;
      if (command.kind === 'take-over' && previousOwner) {
        // Told privately only while they may still see the concern (still in the DSL team; for a
        // concern about an adult, still its recipient or given access): nothing goes to someone
        // who has left. Rendered from the store at send time, where access is checked again.
        if ((await checkTriageAccess(tx, input.tenantId, row, previousOwner)).allowed) {
          await enqueueOutbox(tx, {
            tenantId: input.tenantId,
            idempotencyKey: `concern:${row.concernId}:taken-over:${event.seq}`,
            kind: TRIAGE_OUTBOX_KINDS.takenOverNotice,
            targetKey: userTarget(previousOwner.aadObjectId),
            payload: { concernId: row.concernId, aadObjectId: previousOwner.aadObjectId, seq: event.seq },
          });
        }
      }
      if (decision.cancelsEscalation) await cancelConcernTimers(tx, input.tenantId, row.concernId, now);
      await enqueueCardUpdate(tx, input.tenantId, row.concernId, row.recipient, `event:${event.seq}`);
      if (decision.tellReporter) {
        await enqueueOutbox(tx, {
          tenantId: input.tenantId,
          idempotencyKey: `concern:${row.concernId}:feedback:${event.seq}`,
          kind: TRIAGE_OUTBOX_KINDS.reporterFeedback,
          targetKey: userTarget(row.reporterAadId),
          payload: { concernId: row.concernId, aadObjectId: row.reporterAadId, status: decision.tellReporter },
        });
      }
      if (input.accessLog) {
        await logAccess(tx, { tenantId: input.tenantId, actorAadId: input.actor.aadObjectId, actorName: input.accessLog.actorName, concernId: row.concernId, verb: input.verb, outcome: 'allowed', reason: input.accessLog.reason, at: now });
      }
      return { kind: 'applied', row, state: decision.next, seq: event.seq };
    });
  try {
    return await run();
  } catch (err) {
    // The same action id committed by a concurrent duplicate between our check and insert.
    if (isUniqueViolation(err)) {
      const row = await lockConcernForTriageOutside(deps.db, input.tenantId, input.concernId);
      if (row) return { kind: 'duplicate', row };
    }
    throw err;
  }
}

async function lockConcernForTriageOutside(db: Db, tenantId: string, concernId: string): Promise<TriageRow | undefined> {
  return db.transaction((tx) => lockConcernForTriage(tx, tenantId, concernId));
}

/**
 * A concern can be linked only to one with the same recipient that the actor may open
 * themselves. Links never cross from the DSL team's concerns to the private ones about adults,
 * or back, nor between the headteacher's and the chair's: the headteacher linking a reference
 * held by the chair (a concern about the headteacher) would learn that it exists.
 */
async function canLinkTo(tx: Db, tenantId: string, target: { concernId: string; recipient: RecipientRole }, recipient: RecipientRole, actor: Person): Promise<boolean> {
  if (target.recipient !== recipient) return false;
  return (await checkTriageAccess(tx, tenantId, target, actor)).allowed;
}

/**
 * Queues an update of every card already posted for the concern. For the DSL channel it
 * queues behind the original post (same target), so Teams sees the post before its update;
 * held like the post while no channel is registered.
 */
export async function enqueueCardUpdate(tx: Db, tenantId: string, concernId: string, recipient: RecipientRole, cause: string): Promise<void> {
  let targetKey: string;
  let held = false;
  if (recipient === 'dsl-team') {
    targetKey = DSL_CHANNEL_TARGET;
    held = !(await isDslChannelRegistered(tx, tenantId));
  } else {
    targetKey = (await findDeliveryTarget(tx, tenantId, concernId, OUTBOX_KINDS.concernToPerson)) ?? `concern:${concernId}`;
  }
  await enqueueOutbox(tx, {
    tenantId,
    idempotencyKey: `concern:${concernId}:update-cards:${cause}`,
    kind: TRIAGE_OUTBOX_KINDS.updateCards,
    targetKey,
    payload: { concernId },
    held,
  });
}
