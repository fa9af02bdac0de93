import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Db } from '../../store/db';
import type { ConcernRepository } from '../../store/concern.repo';
import { type AccessOutcome, logAccess } from '../../store/access-log.repo';
import { getTriageRow, isDslMember, listConcernsByPupilKey } from '../../store/triage.repo';
import { getDslChannel } from '../../store/conversation.repo';
import { type AdaptiveCard, CARD_CONTENT_TYPE } from '../../cards/card-kit';
import { buildConcernUnavailableCard, buildPupilConcernsCard, buildRecordedCard, buildReadOnlyConcernCard, buildTriageActionCardForTeams, COMMAND_OF_VERB, TRIAGE_VERBS, type TriageActionView } from '../../cards/triage-card';
import { describeEvent, parseTriageCommand, TRIAGE_EVENT_TYPES, TRIAGE_FIELDS, type TriageField } from '../../domain/concerns/triage';
import type { Concern, Person } from '../../domain/concerns/concern';
import { normalisePupilKey } from '../../domain/people/pupil-key';
import { cleanLine } from '../../domain/text';
import { formatLocal } from '../../domain/clock';
import { checkTriageAccess, mayTakeOver } from '../../services/triage-access';
import { applyTriageAction } from '../../services/triage-concern';
import { loadActionView, loadBaseView } from '../../services/concern-views';
import type { PatternSettings } from '../../services/pattern-alerts';
import { describeError, type Logger, safeLogField } from '../../logging';
import type { BotFeature, InvokeRequest, MessageRequest } from '../bot-feature';
import { formValues } from '../parse';
import { DslRosterCache } from '../dsl-roster';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids every triage button carries. Form values are read separately, per command. */
export const TriageDataSchema = z
  .object({
    concernId: z.string().regex(UUID),
    /** Fresh per button and per render: a duplicated invoke carries the same one. */
    actionId: z.string().regex(UUID).optional(),
  })
  .passthrough();
export type TriageData = z.infer<typeof TriageDataSchema>;

export interface TriageFeatureDeps {
  db: Db;
  concerns: ConcernRepository;
  logger: Logger;
  now: () => Date;
  onOutboxChanged: () => void;
  patterns: PatternSettings;
  /** How long the stored DSL roster is trusted before Teams is asked again. */
  rosterTtlMs: number;
  /** AUP validity, for the AUP status shown on concerns about misuse of technology. */
  aupValidityMonths?: number;
}

/**
 * Triage on the concern card (verbs `concern.*`), from the DSL channel, a DSL's personal chat
 * (escalation) or a recipient's chat (concerns about adults). Who may act is decided from the
 * server's records for the person Teams says pressed the button; card data only says which
 * concern and which button. Refusals are logged and answered with the read-only card.
 */
export class TriageFeature implements BotFeature {
  readonly name = 'triage';
  readonly verbPrefixes = ['concern.'] as const;
  private readonly roster: DslRosterCache;

  constructor(private readonly deps: TriageFeatureDeps) {
    this.roster = new DslRosterCache(deps.db, deps.rosterTtlMs, deps.logger, deps.now);
  }

  /**
   * "pupil <name>": the per-pupil view, for DSLs, in the DSL channel or a private chat with
   * Jigsaw (never another channel or a group chat, where others would see the answer).
   */
  async handleMessage(request: MessageRequest, context: TurnContext): Promise<boolean> {
    const match = /^pupil\s+(.+)$/is.exec(request.text);
    if (!match) return false;
    const { tenant, person } = request;
    const tenantId = tenant.tenantId;
    const pupilName = cleanLine(match[1]).slice(0, 100);
    const channelId = (context.activity.channelData as { channel?: { id?: string } } | undefined)?.channel?.id;
    const dslChannel = await getDslChannel(this.deps.db, tenantId);
    const inDslChannel = request.conversationType === 'channel' && dslChannel !== undefined && channelId === dslChannel.channelId;
    if (request.conversationType !== 'personal' && !inDslChannel) {
      await context.sendActivity('Ask about a pupil in the DSL channel or in a private chat with Jigsaw.');
      return true;
    }
    await this.roster.refreshIfStale(context, tenantId);
    const allowed = await isDslMember(this.deps.db, tenantId, person.aadObjectId);
    // In a private chat, anyone else who starts with "pupil" is reporting: the report flow takes it.
    if (!allowed && request.conversationType === 'personal') return false;
    await logAccess(this.deps.db, { tenantId, actorAadId: person.aadObjectId, actorName: person.name, verb: 'pupil-view', outcome: allowed ? 'allowed' : 'refused', at: this.deps.now() });
    if (!allowed) {
      this.deps.logger.warn({ tenantId, actor: person.aadObjectId }, 'pupil view refused: not a DSL');
      await context.sendActivity('Only the DSL team can look up the concerns about a pupil. Your request has been recorded.');
      return true;
    }
    const timeZone = tenant.timeZone;
    const rows = await listConcernsByPupilKey(this.deps.db, tenantId, normalisePupilKey(pupilName));
    const card = buildPupilConcernsCard({
      pupilName,
      concerns: rows.map((r) => ({ reference: r.reference, category: r.category as Concern['category'], status: r.status, receivedAt: formatLocal(r.createdAt, timeZone), ownerName: r.ownerName })),
    });
    await context.sendActivity({ attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] });
    return true;
  }

  async handleInvoke(request: InvokeRequest, context: TurnContext): Promise<AdaptiveCard> {
    const { tenant, person, verb } = request;
    const tenantId = tenant.tenantId;
    const parsed = TriageDataSchema.safeParse(request.data);
    if (!parsed.success) return buildConcernUnavailableCard('That card could not be read. Open the concern from the DSL channel again.');
    const { concernId, actionId } = parsed.data;
    const log = (outcome: AccessOutcome, reason?: string) =>
      logAccess(this.deps.db, { tenantId, actorAadId: person.aadObjectId, actorName: person.name, concernId, verb, outcome, reason, at: this.deps.now() });

    const row = await getTriageRow(this.deps.db, tenantId, concernId);
    if (!row) {
      await log('refused', 'unknown concern');
      return buildConcernUnavailableCard('This concern is not available to you. Your attempt has been recorded.');
    }
    if (row.recipient === 'dsl-team') await this.roster.refreshIfStale(context, tenantId);
    const access = await checkTriageAccess(this.deps.db, tenantId, row, person);
    if (!access.allowed) {
      await log('refused', 'not authorised');
      this.deps.logger.warn({ tenantId, actor: person.aadObjectId, concernId, verb: safeLogField(verb, 64), conversationType: request.conversationType }, 'triage refused: not authorised');
      if (!access.visible) return buildConcernUnavailableCard(access.reason);
      const base = await loadBaseView(this.deps, tenantId, concernId);
      if (!base) return buildConcernUnavailableCard(access.reason);
      return buildReadOnlyConcernCard({ reference: base.concern.reference, category: base.concern.category, triage: base.triage, reason: access.reason });
    }
    const canGrantAccess = access.as === 'recipient';
    // "Take over" is offered from the same records the service checks again under the lock.
    const viewer = { aadObjectId: person.aadObjectId, mayTakeOver: mayTakeOver(access, row.recipient) };
    const render = async (options: { flash?: TriageActionView['flash']; form?: TriageActionView['form'] } = {}) => {
      const view = await loadActionView(this.deps, tenantId, concernId, { ...options, canGrantAccess, viewer });
      if (!view) return buildConcernUnavailableCard('This concern is no longer available.');
      // The answer replaces the card: over Teams' 28 KB the press would fail in the client (even
      // after the action was recorded), so a concern too long for it is answered shortened.
      const fitted = buildTriageActionCardForTeams(view);
      if (fitted.shortened) this.deps.logger.info({ tenantId, concernId, verb: safeLogField(verb, 64) }, 'action card too large for Teams: answered shortened');
      return fitted.card;
    };

    if (verb === TRIAGE_VERBS.refresh) {
      await log('allowed', request.trigger === 'automatic' ? 'view (automatic refresh)' : 'view');
      return render();
    }
    const kind = COMMAND_OF_VERB[verb];
    if (!kind) return render({ flash: { style: 'warning', title: 'That action is not available.', text: 'Here is the concern as it is now.' } });
    if (kind === 'add-participant' && !canGrantAccess) {
      await log('rejected', 'only the recipient gives access');
      return render({ flash: { style: 'attention', title: 'Only the recipient of this concern can give others access.' } });
    }
    if (kind === 'withdraw-participant' && !canGrantAccess) {
      await log('rejected', 'only the recipient withdraws access');
      return render({ flash: { style: 'attention', title: 'Only the recipient of this concern can withdraw access.' } });
    }
    if (!actionId) return render({ flash: { style: 'warning', title: 'That card was out of date, so nothing was recorded.', text: 'Here is the concern as it is now: please try again.' } });

    const command = parseTriageCommand(kind, formValues(request.data));
    if (!command.ok) return render({ form: { kind, values: command.values, errors: command.errors } });

    // An applied action's access-log row is written in its transaction (accessLog).
    const result = await applyTriageAction(this.deps, { tenantId, concernId, actor: actorOf(person), command: command.command, actionId, verb, accessLog: { actorName: person.name } });
    switch (result.kind) {
      case 'not-found':
        return buildConcernUnavailableCard('This concern is no longer available.');
      case 'duplicate':
        await log('duplicate');
        return render({ flash: { style: 'accent', title: 'Already recorded', text: 'This action was received twice and recorded once.' } });
      case 'rejected': {
        await log('rejected', result.code);
        const keepForm = result.code === 'unknown-reference' || result.code === 'unknown-person' || result.code === 'self-link' || result.code === 'not-participant';
        if (keepForm) {
          const field = kind === 'link' ? 'linkReferences' : kind === 'withdraw-participant' ? 'withdrawParticipant' : 'participant';
          return render({ form: { kind, values: command.values, errors: { [field]: result.reason } } });
        }
        // Refused by the concern's state (closed meanwhile, not yet acknowledged, unchanged):
        // what was typed comes back in the form, so a note written on a stale card is not lost.
        const typed = Object.values(command.values).some(Boolean);
        const [first] = TRIAGE_FIELDS[kind] as readonly TriageField[];
        if (typed && first) return render({ flash: { style: 'attention', title: result.reason }, form: { kind, values: command.values, errors: { [first]: result.reason } } });
        return render({ flash: { style: 'attention', title: result.reason } });
      }
      case 'applied': {
        // Committed: whatever fails from here on, the answer is "Recorded" (never "nothing was
        // changed", which would have the DSL record it a second time).
        const recorded = `Recorded: ${describeEvent(TRIAGE_EVENT_TYPES[kind], { ...command.command })}`;
        try {
          this.deps.onOutboxChanged();
          this.deps.logger.info({ tenantId, reference: result.row.reference, verb, status: result.state.status, seq: result.seq }, 'triage action applied');
          return await render({ flash: { style: 'good', title: recorded } });
        } catch (err) {
          this.deps.logger.error({ tenantId, reference: result.row.reference, verb, seq: result.seq, ...describeError(err) }, 'triage action recorded, but its card could not be shown');
          return buildRecordedCard(concernId, recorded);
        }
      }
    }
  }
}

/** The actor as recorded in the chronology: the Teams identity, display name bounded. */
function actorOf(person: Person): Person {
  return { aadObjectId: person.aadObjectId, name: person.name.slice(0, 200) };
}
