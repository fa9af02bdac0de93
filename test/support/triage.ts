import { REPORT_VERBS } from '../../src/cards/report-card';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { channelInvoke, type TestUser } from './activities';
import { cardText, findActions } from './card-validation';
import { eventually, eventuallySome, type Harness, SCHOOL } from './harness';

/** Helpers for driving triage over HTTP like Teams does: from the card in the DSL channel. */

export const REPORT_DETAILS = {
  about: 'pupil',
  category: 'online-bullying',
  pupils: 'Amelia Okonkwo (6B)',
  whatHappened: 'Amelia showed me messages in a class group chat calling her names and telling her to leave.',
  childWords: 'They said nobody wants me there.',
  occurredOn: '2026-11-20',
  location: 'Year 6 classroom, about a WhatsApp group',
  urgency: 'standard',
};

let submissions = 0;

/** Reports a concern as `who` and returns its reference and id once its card is in the channel. */
export async function reportAndAwaitCard(h: Harness, who: TestUser, overrides: Record<string, string> = {}): Promise<{ reference: string; concernId: string; activityId: string }> {
  submissions += 1;
  const submissionId = `00000000-0000-4000-9000-${String(Date.now() % 1e6).padStart(6, '0')}${String(submissions).padStart(6, '0')}`;
  const res = await h.invoke(who, REPORT_VERBS.submit, { ...REPORT_DETAILS, ...overrides, submissionId });
  const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body?.value))?.[0];
  if (!reference) throw new Error(`no receipt: ${JSON.stringify(res.body).slice(0, 300)}`);
  const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1', [reference]);
  if (overrides.about && overrides.about !== 'pupil') return { reference, concernId: row.concern_id, activityId: '' };
  const [posted] = await eventuallySome(() => channelPosts(h, reference), 10_000, `channel card of ${reference}`);
  return { reference, concernId: row.concern_id, activityId: posted.activityId };
}

/** Waits until everything queued for a concern (its outbox rows) has been delivered to Teams. */
export async function awaitConcernDelivered(h: Harness, concernId: string): Promise<void> {
  const pending = () => h.db.query(`SELECT 1 FROM outbox WHERE idempotency_key LIKE $1 AND status <> 'sent'`, [`concern:${concernId}:%`]);
  await eventually(async () => (await pending()).length === 0, 10_000, "the concern's outbox delivered");
}

export function channelPosts(h: Harness, reference: string) {
  return h.fake
    .findByText(reference)
    .filter((m) => m.conversationId === SCHOOL.dslChannel.id && Array.isArray(m.body.attachments) && (m.body.attachments as unknown[]).length > 0 && !String(m.body.summary ?? '').startsWith('Pattern'));
}

export function cardOf(message: { body: Record<string, unknown> }): any {
  return (message.body.attachments as { content: unknown }[])[0].content;
}

/** Presses a button on the channel card, as `who`. */
export function pressInChannel(h: Harness, who: TestUser, activityId: string, verb: string, data: Record<string, unknown>, trigger: 'manual' | 'automatic' = 'manual') {
  return h.post(channelInvoke(h.ctx, who, { team: SCHOOL.team, channel: SCHOOL.dslChannel, rootId: activityId }, verb, data, trigger));
}

/** The data of the first button with `verb` in a card (carrying its action id). */
export function buttonData(card: unknown, verb: string): Record<string, unknown> {
  const action = findActions(card).find((a) => a.verb === verb);
  if (!action) throw new Error(`no ${verb} button in the card: ${cardText(card).slice(0, 500)}`);
  return { ...(action.data as Record<string, unknown>) };
}

/** Opens the DSL's own view of the card (what Teams' automatic refresh does) and returns it. */
export async function openActions(h: Harness, who: TestUser, concernId: string, activityId: string): Promise<any> {
  const res = await pressInChannel(h, who, activityId, TRIAGE_VERBS.refresh, { concernId }, 'automatic');
  if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
  return res.body.value;
}

/** Presses `verb` on a freshly opened action card, with form values. */
export async function act(h: Harness, who: TestUser, concern: { concernId: string; activityId: string }, verb: string, values: Record<string, unknown> = {}): Promise<any> {
  const card = await openActions(h, who, concern.concernId, concern.activityId);
  const res = await pressInChannel(h, who, concern.activityId, verb, { ...buttonData(card, verb), ...values });
  if (res.status !== 200) throw new Error(`${verb} answered ${res.status}`);
  return res.body.value;
}
