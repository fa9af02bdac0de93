import { randomUUID } from 'node:crypto';
import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ChannelAccount,
  type InvokeResponse,
  TeamsActivityHandler,
  type TurnContext,
} from 'botbuilder';
import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { getDslChannel, listDslMembers, registerDslChannel, savePersonalConversation } from '../store/conversation.repo';
import { updateDslRoster } from '../services/dsl-roster-changes';
import { releaseHeldOutbox } from '../store/outbox.repo';
import { hasRole, RoutingDirectoryCache, type Tenant, TenantCache } from '../store/tenant.repo';
import { type AdaptiveCard, CARD_CONTENT_TYPE, card, heading, text } from '../cards/card-kit';
import { cardBytes, CARD_MAX_BYTES } from '../cards/card-size';
import { buildReportFormCard, buildReportStartCard, REPORT_VERBS } from '../cards/report-card';
import { buildReceiptCard } from '../cards/receipt-card';
import { buildHelpCard } from '../cards/help-card';
import { formatLocal, localDateTime } from '../domain/clock';
import { ABOUT_REQUIRED, cleanReportValues, type ReportValues } from '../domain/concerns/validate-report';
import { CONCERN_ABOUT, type Person } from '../domain/concerns/concern';
import { DSL_CHANNEL_TARGET, submitConcernReport } from '../services/report-concern';
import { describeError, type Logger, safeLogField } from '../logging';
import { formValues, parseCardAction, ReportDataSchema } from './parse';
import type { BotFeature } from './bot-feature';
import { loadChannelMembers } from './dsl-roster';
import { isGreeting } from './greeting';
import { teamsTextLiteral } from '../jobs/teams-text';

export interface JigsawBotDeps {
  db: Db;
  concerns: ConcernRepository;
  logger: Logger;
  /** Production: the tenants this deployment serves. Empty in local mode (any provisioned tenant). */
  allowedTenantIds: string[];
  now: () => Date;
  /** Wakes the outbox worker after a commit. */
  onOutboxChanged: () => void;
  /** Further capabilities (triage, AUPs, audits), routed by verb prefix and tried on messages. */
  features?: readonly BotFeature[];
}

/** The Teams edge: turns activities into service calls and cards into replies. No safeguarding rules live here. */
export class JigsawBot extends TeamsActivityHandler {
  private readonly tenants: TenantCache;
  /** Checked by every concern's insert, so never stale where it matters (see RoutingDirectoryCache). */
  private readonly routing = new RoutingDirectoryCache();

  constructor(private readonly deps: JigsawBotDeps) {
    super();
    this.tenants = new TenantCache(deps.db);
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      const tenant = await this.tenantFor(context);
      if (tenant && context.activity.conversation.conversationType === 'personal') {
        await this.rememberPersonalConversation(context, tenant);
        await context.sendActivity({ attachments: [attachment(buildHelpCard({ schoolName: tenant.schoolName, dslNames: await this.dslNames(tenant) }))] });
      }
      await next();
    });
    this.onTeamsMembersAddedEvent(async (_added, _teamInfo, context, next) => {
      await this.refreshRosterIfDslChannel(context);
      await next();
    });
    this.onTeamsMembersRemovedEvent(async (_removed, _teamInfo, context, next) => {
      await this.refreshRosterIfDslChannel(context);
      await next();
    });
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const tenant = await this.tenantFor(context);
    if (!tenant) {
      await context.sendActivity('Jigsaw is not set up for your school yet. Please ask your IT administrator, and tell your Designated Safeguarding Lead in person about any concern.');
      return;
    }
    const person = personFrom(context);
    if (!person) {
      await context.sendActivity('Jigsaw could not tell who you are, so it cannot take a report here. Please use Teams signed in with your school account.');
      return;
    }
    const typed = stripMentions(context.activity.text ?? '');
    const scope = context.activity.conversation.conversationType;
    for (const feature of this.deps.features ?? []) {
      if (feature.handleMessage && (await feature.handleMessage({ tenant, person, text: typed, conversationType: scope }, context))) return;
    }

    if (scope === 'channel') {
      if (/^setup\b/i.test(typed)) await this.setupDslChannel(context, tenant, person);
      else await context.sendActivity('To report a concern, message Jigsaw in a private chat. Administrators: type "setup" here to make this the DSL channel.');
      return;
    }
    if (scope !== 'personal') {
      await context.sendActivity('Concerns are reported in a private chat with Jigsaw, never in a group chat.');
      return;
    }

    await this.rememberPersonalConversation(context, tenant);
    if (/^help\b/i.test(typed) || typed === '?') {
      await context.sendActivity({ attachments: [attachment(buildHelpCard({ schoolName: tenant.schoolName, dslNames: await this.dslNames(tenant) }))] });
      return;
    }
    if (typed === '' || isGreeting(typed)) {
      await context.sendActivity({ attachments: [attachment(buildReportStartCard({ submissionId: randomUUID(), schoolName: tenant.schoolName }))] });
      return;
    }
    // Someone typed their concern straight into the chat: keep their words in the form.
    const kept = cleanReportValues({ whatHappened: typed });
    await context.sendActivity({
      text: 'I have kept what you wrote in the report below (nothing is sent yet). Choose the kind of concern to continue.',
      attachments: [attachment(buildReportStartCard({ submissionId: randomUUID(), schoolName: tenant.schoolName, values: kept }))],
    });
  }

  /**
   * botbuilder dereferences `value.action.type` without checking it: an `adaptiveCard/action`
   * whose value is not an object became a 5xx (found by the fuzz in security-fuzz.test.ts).
   * Such an invoke is answered like any unreadable card, with a card.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name === 'adaptiveCard/action' && !parseCardAction(context.activity.value)) {
      const response = cardResponse(messageCard('That card could not be read', 'Please type "report" to start again.'));
      return { status: 200, body: response };
    }
    return super.onInvokeActivity(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const action = parseCardAction(invokeValue);
    if (!action) return cardResponse(messageCard('That card could not be read', 'Please type "report" to start again.'));
    const tenant = await this.tenantFor(context);
    if (!tenant) return cardResponse(messageCard('Jigsaw is not set up for your school', 'Please tell your DSL in person.'));
    const person = personFrom(context);
    if (!person) return cardResponse(messageCard('Jigsaw could not tell who you are', 'Please use Teams signed in with your school account.'));

    const verb = action.action.verb;
    const feature = (this.deps.features ?? []).find((f) => f.handleInvoke && f.verbPrefixes.some((prefix) => verb.startsWith(prefix)));
    if (feature?.handleInvoke) {
      try {
        const replyToId = (context.activity as { replyToId?: string }).replyToId;
        const answer = await feature.handleInvoke(
          { tenant, person, verb, data: action.action.data, trigger: action.trigger, conversationType: context.activity.conversation.conversationType, conversationId: context.activity.conversation.id, messageId: replyToId },
          context,
        );
        // A card over Teams' 28 KB is not shown (the press fails in the client). Features fit
        // their own cards (triage answers shortened); this is the defence in depth.
        const bytes = cardBytes(answer);
        if (bytes > CARD_MAX_BYTES) {
          this.deps.logger.warn({ tenantId: tenant.tenantId, feature: feature.name, verb: safeLogField(verb, 64), bytes }, 'card action answer too large for Teams: replaced');
          // A message leaves the card as it was, rather than replacing it with an apology.
          return messageResponse("Jigsaw's answer to this is too long to show in Teams, so the card is unchanged. Ask your Jigsaw administrator.");
        }
        return cardResponse(answer);
      } catch (err) {
        this.deps.logger.error({ tenantId: tenant.tenantId, feature: feature.name, verb, ...describeError(err) }, 'card action failed');
        return cardResponse(messageCard('That did not work', 'Jigsaw could not complete this action just now; nothing was changed. Please try again in a moment.'));
      }
    }

    const data = ReportDataSchema.safeParse(action.action.data);
    const submissionId = data.success && data.data.submissionId ? data.data.submissionId : randomUUID();
    const values: ReportValues = cleanReportValues({ ...(data.success ? (data.data.kept ?? {}) : {}), ...formValues(action.action.data) });
    const today = localDateTime(this.deps.now(), tenant.timeZone).date;

    switch (action.action.verb) {
      case REPORT_VERBS.start:
        return cardResponse(buildReportStartCard({ submissionId: randomUUID(), schoolName: tenant.schoolName }));
      case REPORT_VERBS.changeCategory:
        return formResponse(buildReportStartCard({ submissionId, schoolName: tenant.schoolName, values }), {});
      case REPORT_VERBS.chooseCategory: {
        const errors = {
          ...(values.category ? {} : { category: 'Choose the kind of concern.' }),
          ...(values.about && (CONCERN_ABOUT as readonly string[]).includes(values.about) ? {} : { about: ABOUT_REQUIRED }),
          // Caught here, before the details are typed (the form would ask for a pupil's name).
          ...(values.category === 'concern-about-adult' && values.about === 'pupil'
            ? { about: 'You chose "Concern about an adult": say whether it is about a member of staff, volunteer or contractor, or the headteacher.' }
            : {}),
        };
        if (Object.keys(errors).length) return formResponse(buildReportStartCard({ submissionId, schoolName: tenant.schoolName, values, errors }), errors);
        return formResponse(buildReportFormCard({ submissionId, values, today }), {});
      }
      case REPORT_VERBS.submit:
        return this.submitReport(context, tenant, person, submissionId, values, today);
      default:
        return cardResponse(messageCard('This action is not available', 'Type "report" to start a new report or "help" to see what Jigsaw does.'));
    }
  }

  private async submitReport(context: TurnContext, tenant: Tenant, reporter: Person, submissionId: string, values: ReportValues, today: string): Promise<AdaptiveCardInvokeResponse> {
    if (context.activity.conversation.conversationType !== 'personal') {
      return cardResponse(messageCard('Report in a private chat', 'Concerns are reported in a private chat with Jigsaw, never in a channel or group chat.'));
    }
    try {
      const outcome = await submitConcernReport(
        { db: this.deps.db, concerns: this.deps.concerns, now: this.deps.now, routing: this.routing },
        { tenantId: tenant.tenantId, timeZone: tenant.timeZone, reporter, raw: values, submissionId },
      );
      if (outcome.kind === 'invalid') {
        // The kind of concern and who it is about are chosen on the start card: ask there (the
        // details typed so far ride along in its Continue button, so nothing is lost).
        const { category, about } = outcome.errors;
        if (category || about) return formResponse(buildReportStartCard({ submissionId, schoolName: tenant.schoolName, values: outcome.values, errors: { ...(category ? { category } : {}), ...(about ? { about } : {}) } }), outcome.errors);
        return formResponse(buildReportFormCard({ submissionId, values: outcome.values, errors: outcome.errors, today }), outcome.errors);
      }
      this.deps.onOutboxChanged();
      const { concern, problems } = outcome;
      this.deps.logger.info({ tenantId: tenant.tenantId, reference: concern.reference, category: concern.category, urgency: concern.urgency, duplicate: outcome.duplicate }, 'concern accepted');
      const held = problems.find((p) => p === 'no-chair' || p === 'no-headteacher-or-chair' || p === 'no-dsl-channel');
      return cardResponse(
        buildReceiptCard({
          reference: concern.reference,
          receivedAt: formatLocal(concern.createdAt, tenant.timeZone),
          recipient: concern.recipient,
          category: concern.category,
          urgent: concern.urgency === 'urgent',
          held: held as 'no-chair' | 'no-headteacher-or-chair' | 'no-dsl-channel' | undefined,
        }),
      );
    } catch (err) {
      this.deps.logger.error({ tenantId: tenant.tenantId, ...describeError(err) }, 'concern submission failed');
      // Nothing was stored: show the form again with everything kept.
      const errors = { whatHappened: 'Jigsaw could not save your report just now (nothing was lost: your answers are below). Please press Send again in a moment, and if it keeps failing tell a DSL in person.' };
      return formResponse(buildReportFormCard({ submissionId, values, today, errors }), errors);
    }
  }

  private async setupDslChannel(context: TurnContext, tenant: Tenant, person: Person): Promise<void> {
    if (!(await hasRole(this.deps.db, tenant.tenantId, 'admin', person.aadObjectId))) {
      this.deps.logger.warn({ tenantId: tenant.tenantId, actor: person.aadObjectId }, 'setup refused: not an admin');
      await context.sendActivity('Only a Jigsaw administrator can make this the DSL channel. Nothing has changed.');
      return;
    }
    const channelData = context.activity.channelData as { team?: { id?: string }; channel?: { id?: string; name?: string } } | undefined;
    const teamId = channelData?.team?.id;
    const channelId = channelData?.channel?.id;
    if (!teamId || !channelId) {
      await context.sendActivity('This does not look like a team channel. Type "setup" in the DSL team\'s private channel.');
      return;
    }
    await registerDslChannel(this.deps.db, {
      tenantId: tenant.tenantId,
      teamId,
      channelId,
      channelName: channelData?.channel?.name,
      serviceUrl: context.activity.serviceUrl,
      botId: context.activity.recipient.id,
      registeredBy: person.aadObjectId,
    });
    const members = await loadChannelMembers(context, channelId);
    await updateDslRoster(this.deps.db, tenant.tenantId, members);
    const released = await releaseHeldOutbox(this.deps.db, tenant.tenantId, DSL_CHANNEL_TARGET);
    if (released) this.deps.onOutboxChanged();
    this.deps.logger.info({ tenantId: tenant.tenantId, dslMembers: members.length, released }, 'DSL channel registered');
    await context.sendActivity(
      // A text message, read by Teams as Markdown: the names (from the roster) and the school's name are escaped.
      `This channel is now the DSL channel for ${teamsTextLiteral(tenant.schoolName)}. ${members.length} member(s) can triage concerns here: ${members.map((m) => teamsTextLiteral(m.displayName)).join(', ')}.` +
        (released ? ` ${released} waiting concern(s) will be posted now.` : ''),
    );
  }

  private async refreshRosterIfDslChannel(context: TurnContext): Promise<void> {
    try {
      const tenant = await this.tenantFor(context);
      if (!tenant) return;
      const channel = await getDslChannel(this.deps.db, tenant.tenantId);
      const teamId = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
      if (!channel || channel.teamId !== teamId) return;
      await updateDslRoster(this.deps.db, tenant.tenantId, await loadChannelMembers(context, channel.channelId));
    } catch (err) {
      this.deps.logger.warn(describeError(err), 'could not refresh the DSL roster');
    }
  }

  private async rememberPersonalConversation(context: TurnContext, tenant: Tenant): Promise<void> {
    const from = context.activity.from as ChannelAccount;
    if (!from?.aadObjectId) return;
    await savePersonalConversation(this.deps.db, {
      tenantId: tenant.tenantId,
      aadObjectId: from.aadObjectId,
      teamsUserId: from.id,
      conversationId: context.activity.conversation.id,
      serviceUrl: context.activity.serviceUrl,
      botId: context.activity.recipient.id,
      displayName: from.name,
    });
  }

  private async tenantFor(context: TurnContext): Promise<Tenant | undefined> {
    const channelData = context.activity.channelData as { tenant?: { id?: string } } | undefined;
    const tenantId = context.activity.conversation?.tenantId ?? channelData?.tenant?.id;
    if (!tenantId) return undefined;
    if (this.deps.allowedTenantIds.length && !this.deps.allowedTenantIds.includes(tenantId)) {
      this.deps.logger.warn({ tenantId }, 'activity from a tenant this deployment does not serve');
      return undefined;
    }
    return this.tenants.get(tenantId);
  }

  private async dslNames(tenant: Tenant): Promise<string[]> {
    return (await listDslMembers(this.deps.db, tenant.tenantId)).map((m) => m.displayName);
  }
}

function personFrom(context: TurnContext): Person | undefined {
  const from = context.activity.from;
  if (!from?.aadObjectId) return undefined;
  return { aadObjectId: from.aadObjectId, name: (from.name ?? '').slice(0, 200) || 'Unknown member of staff' };
}

/** Removes "<at>Jigsaw</at>" (how Teams delivers an @mention of the bot in a channel). */
function stripMentions(text: string): string {
  return text.replace(/<at>[^<]*<\/at>/g, '').trim();
}

function attachment(content: AdaptiveCard) {
  return { contentType: CARD_CONTENT_TYPE, content };
}

function cardResponse(value: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: CARD_CONTENT_TYPE, value: value as unknown as Record<string, unknown> };
}

/**
 * A form shown again with what was typed and what to fix. A form too large for a Teams message
 * (long answers in a script of three bytes a character) cannot come back: the answer is then a
 * message, which Teams shows without replacing the card, so the form and everything typed in
 * it stay on screen (Universal Actions' `application/vnd.microsoft.activity.message`).
 */
function formResponse(form: AdaptiveCard, errors: Record<string, string | undefined>): AdaptiveCardInvokeResponse {
  if (cardBytes(form) <= CARD_MAX_BYTES) return cardResponse(form);
  const fixes = [...new Set(Object.values(errors).filter((e): e is string => Boolean(e)))];
  const what = fixes.length ? fixes.join(' ') : 'Your answers are too long for one Teams message, so this card cannot change: shorten the longest ones.';
  return messageResponse(`Nothing has been sent yet. ${what} Your answers are still in the form: change them there and press Send again.`);
}

function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: MESSAGE_RESPONSE_TYPE, value: text as unknown as Record<string, unknown> };
}

/** The invoke answer that shows a message and leaves the card as it is. */
export const MESSAGE_RESPONSE_TYPE = 'application/vnd.microsoft.activity.message';

function messageCard(title: string, body: string): AdaptiveCard {
  return card([heading(title, { size: 'Medium' }), text(body)]);
}
