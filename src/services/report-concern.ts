import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import type { NewOutboxMessage } from '../store/outbox.repo';
import { alertAdmins } from './admin-alerts';
import { type LoadedRouting, loadRoutingDirectory, type RoutingDirectoryCache, StaleRoutingError } from '../store/tenant.repo';
import type { Concern, Person } from '../domain/concerns/concern';
import { type Delivery, routeConcern, type RoutingProblem } from '../domain/concerns/routing';
import { type ReportErrors, type ReportValues, validateReport } from '../domain/concerns/validate-report';
import { isUniqueViolation } from '../store/db';

export type SubmitOutcome =
  | { kind: 'invalid'; errors: ReportErrors; values: ReportValues }
  | { kind: 'accepted'; concern: Concern; problems: RoutingProblem[]; duplicate: boolean };

/** Outbox kinds and where each goes; the worker renders the message at send time. */
export const OUTBOX_KINDS = {
  concernToChannel: 'concern.post-to-dsl-channel',
  concernToPerson: 'concern.send-to-person',
  urgentMention: 'concern.urgent-mention',
  reporterNotDelivered: 'reporter.not-delivered',
} as const;

export const DSL_CHANNEL_TARGET = 'dsl-channel';
/**
 * Where a concern about an adult waits while nobody can receive it (no headteacher or chair of
 * governors; no chair for one about the headteacher): its delivery row, `held`, until a role
 * holder exists (held-allegations.ts then makes it the delivery to them).
 */
export const HELD_RECIPIENT_TARGET = 'allegation-recipient';
export const userTarget = (aadObjectId: string) => `user:${aadObjectId}`;

export const PROBLEM_MESSAGES: Record<RoutingProblem, string> = {
  'no-dsl-channel': 'A concern is waiting because no DSL channel is registered. Add Jigsaw to the DSL team\'s private channel and type "setup" there.',
  'no-headteacher-or-chair':
    'A concern about an adult is held: neither a headteacher nor a chair of governors is set up in Jigsaw, so nobody can receive it. Give the headteacher (or chair of governors) role in the tab (Settings → Roles) or in the deployment settings: it is delivered to them as soon as you do.',
  'no-chair':
    'A concern about the headteacher is held: no chair of governors is set up in Jigsaw, so nobody can receive it (it never goes to the headteacher). Give the chair of governors role in the tab (Settings → Roles) or in the deployment settings: it is delivered to them as soon as you do.',
  'no-dpo': 'A data-breach concern was reported but no Data Protection Officer is configured, so the DPO was not told.',
  'no-it-manager': 'A filtering-failure concern was reported but no IT manager is configured, so IT was not told.',
};

export interface ReportConcernDeps {
  db: Db;
  concerns: ConcernRepository;
  now: () => Date;
  /** The routing directory kept between reports (checked by every insert); without it, read each time. */
  routing?: RoutingDirectoryCache;
}

/** A directory that changes under every attempt is not plausible: after this many, give up (nothing is written). */
const MAX_ROUTING_ATTEMPTS = 3;

/**
 * Accepts a report: validates it, routes it, and commits the concern, its first chronology
 * event, its deliveries and any admin alerts atomically (one statement, or one transaction
 * when there are alerts) before anything is said to the reporter. A repeated submission (same
 * reporter, same card) returns the same concern.
 */
export async function submitConcernReport(
  deps: ReportConcernDeps,
  input: { tenantId: string; timeZone: string; reporter: Person; raw: Record<string, unknown>; submissionId?: string },
): Promise<SubmitOutcome> {
  const now = deps.now();
  const validation = validateReport(input.raw, now, input.timeZone);
  if (!validation.ok) return { kind: 'invalid', errors: validation.errors, values: validation.values };

  const report = validation.report;
  const readRouting = (fresh: boolean): Promise<LoadedRouting> =>
    deps.routing ? deps.routing.get(deps.db, input.tenantId, { fresh }) : loadRoutingDirectory(deps.db, input.tenantId);
  const concernId = randomUUID();
  let routing = await readRouting(false);
  for (let attempt = 1; ; attempt++) {
    const decision = routeConcern(report, routing.directory);
    let reference = '';
    // The concern, its first event and its deliveries' outbox rows are one statement (atomic on
    // its own, one round trip), which writes nothing unless the store still holds the directory
    // this decision was made with; only a routing problem adds writes (the admin alerts) and so
    // a transaction around them.
    const write = async (db: Db) => {
      const inserted = await deps.concerns.insert(
        db,
        { tenantId: input.tenantId, concernId, reporter: input.reporter, report, recipient: decision.recipient, submissionId: input.submissionId, now },
        {
          type: 'reported',
          actor: input.reporter,
          details: { category: report.category, urgency: report.urgency, about: report.about, recipient: decision.recipient, routing: decision.deliveries.map(describeDelivery) },
        },
        {
          outbox: [
            ...decision.deliveries.flatMap((delivery) => deliveryMessages(input.tenantId, concernId, delivery, routing.directory.dslChannelRegistered, report.urgency === 'urgent')),
            // Nobody to receive a concern about an adult: its delivery waits, held, in the same statement.
            ...(decision.problems.some(isHeldForRecipient) ? [heldRecipientMessage(input.tenantId, concernId)] : []),
          ],
          routingInputs: routing.inputs,
        },
      );
      reference = inserted.reference;
      for (const problem of decision.problems) {
        await alertAdmins(db, input.tenantId, problem, PROBLEM_MESSAGES[problem], reference);
      }
    };

    try {
      if (decision.problems.length) await deps.db.transaction(write);
      else await write(deps.db);
    } catch (err) {
      // A role given or taken, or a channel registered, since the directory was read: route again.
      if (err instanceof StaleRoutingError && attempt < MAX_ROUTING_ATTEMPTS) {
        routing = await readRouting(true);
        continue;
      }
      // The same card submitted again (a retry, a double click): the unique index kept the first.
      if (input.submissionId && isUniqueViolation(err)) {
        const existing = await deps.concerns.findBySubmission(deps.db, input.tenantId, input.reporter.aadObjectId, input.submissionId);
        // Its receipt must warn as the first one did (a double click shows this one): the
        // routing problems as they stand now, without alerting the admins again.
        if (existing) return { kind: 'accepted', concern: existing, problems: routeConcern(existing, (await readRouting(true)).directory).problems, duplicate: true };
      }
      throw err;
    }

    const concern: Concern = { ...report, tenantId: input.tenantId, concernId, reference, reporter: input.reporter, recipient: decision.recipient, status: 'new', createdAt: now };
    return { kind: 'accepted', concern, problems: decision.problems, duplicate: false };
  }
}

/** A concern about an adult that nobody can receive yet (the receipt and the admins say so). */
export function isHeldForRecipient(problem: RoutingProblem): problem is 'no-chair' | 'no-headteacher-or-chair' {
  return problem === 'no-chair' || problem === 'no-headteacher-or-chair';
}

/** The held delivery of a concern about an adult with nobody to receive it (released by held-allegations.ts). */
function heldRecipientMessage(tenantId: string, concernId: string): NewOutboxMessage {
  return {
    tenantId,
    idempotencyKey: `concern:${concernId}:held-recipient`,
    kind: OUTBOX_KINDS.concernToPerson,
    targetKey: HELD_RECIPIENT_TARGET,
    payload: { concernId, view: 'full' },
    held: true,
  };
}

/** The outbox rows that carry one delivery of a concern. */
export function deliveryMessages(tenantId: string, concernId: string, delivery: Delivery, registered: boolean, urgent = false): NewOutboxMessage[] {
  if (delivery.to === 'dsl-channel') {
    // Held until `setup` if no channel is known; the worker also releases a held channel row
    // as soon as a channel exists, so a setup racing this transaction cannot strand it.
    const card: NewOutboxMessage = {
      tenantId,
      // One channel card per concern, whatever happens: the key is the concern's.
      idempotencyKey: `concern:${concernId}:dsl-channel`,
      kind: OUTBOX_KINDS.concernToChannel,
      targetKey: DSL_CHANNEL_TARGET,
      payload: { concernId },
      held: !registered,
      urgent,
    };
    if (!delivery.mentionAllDsls) return [card];
    // A reply in the card's thread @mentioning every DSL: Teams notifies them, and the card
    // itself stays free of mentions. Same target, queued after the card, so it is sent after it.
    return [
      card,
      {
        tenantId,
        idempotencyKey: `concern:${concernId}:urgent-mention`,
        kind: OUTBOX_KINDS.urgentMention,
        targetKey: DSL_CHANNEL_TARGET,
        payload: { concernId, postKey: `concern:${concernId}:dsl-channel` },
        held: !registered,
        urgent,
      },
    ];
  }
  return [
    {
      tenantId,
      idempotencyKey: `concern:${concernId}:person:${delivery.role}:${delivery.aadObjectId}`,
      kind: OUTBOX_KINDS.concernToPerson,
      targetKey: userTarget(delivery.aadObjectId),
      payload: { concernId, aadObjectId: delivery.aadObjectId, role: delivery.role, view: delivery.view },
      // The recipient's own copy of an urgent concern about an adult; secondary copies (the DPO's, the IT manager's) are not urgent.
      urgent: urgent && delivery.view === 'full' && (delivery.role === 'headteacher' || delivery.role === 'chair'),
    },
  ];
}

export function describeDelivery(d: Delivery): string {
  return d.to === 'dsl-channel' ? (d.mentionAllDsls ? 'dsl-channel (all DSLs mentioned)' : 'dsl-channel') : `${d.role} (${d.view})`;
}
