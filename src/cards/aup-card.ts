import { AUDIENCE_LABELS, type Audience, isOfflineAudience } from '../domain/aup/types';
import { type AdaptiveCard, type CardElement, card, execute, field, heading, literal, notice, strongLiteral, text } from './card-kit';
import { cutToMessageBytes } from './card-size';

/** Card verbs of the AUP capability (routed to src/bot/features/aup-feature.ts by the "aup." prefix). */
export const AUP_VERBS = {
  agree: 'aup.agree',
  refresh: 'aup.refresh',
  myStatus: 'aup.my-status',
  progress: 'aup.progress',
} as const;

/**
 * The policy text shown in a card is capped so the message stays under Teams' 28 KB limit:
 * counted in bytes as Teams counts them, so a policy in a script of three bytes a character
 * (Chinese, Hindi) is cut as well as a long English one, and still reaches everyone.
 */
export const CARD_BODY_MAX_BYTES = 12_000;

export interface AupCardView {
  versionId: string;
  audience: Audience;
  title: string;
  versionNumber: number;
  effectiveOn: string; // formatted
  summary?: string;
  changeSummary?: string;
  body?: string;
  linkUrl?: string;
  /** ask: first card; reminder: n-th reminder; acknowledged; superseded: a newer version exists; on-paper: an offline audience, read only. */
  /** Teams user ids (29:…) whose client refreshes the card automatically (Universal Actions). */
  refreshUserIds?: string[];
  state: { kind: 'ask' } | { kind: 'reminder'; number: number; deadline?: string } | { kind: 'renewal' } | { kind: 'acknowledged'; at: string } | { kind: 'superseded' } | { kind: 'on-paper' };
}

const isPupil = (a: Audience) => a.startsWith('pupils-');

/** Why an offline audience does not agree in Teams: KS1 pupils' parents sign for them; parents sign on paper or a form. */
export function onPaperWords(audience: Audience): { title: string; body: string } {
  return audience === 'pupils-ks1'
    ? { title: 'Your parent or carer signs this on paper', body: 'You do not need to press anything. Your parent or carer reads these rules with you and signs them for you. Ask your teacher if anything is not clear.' }
    : { title: 'This policy is signed on paper', body: 'It is signed on paper or with the school\'s online form, not in Teams. Ask the school office if you have not had one.' };
}


/**
 * The personal AUP card. Admin text (title, summary, body) only through literal()/field(), so
 * a policy cannot inject markdown links or mentions. Pupil versions use the plain words of the
 * model pupil AUP ("stop, think, before you click").
 */
export function buildAupCard(view: AupCardView): AdaptiveCard {
  const pupil = isPupil(view.audience);
  const body: CardElement[] = [];
  const { state } = view;
  if (state.kind === 'reminder') body.push(notice(pupil ? 'A reminder' : `Reminder ${state.number}: please read and agree`, pupil ? 'Please read the rules below and press the button when you have read them. Ask your teacher if anything is not clear.' : `You have not yet confirmed this policy.${state.deadline ? ` Please do so by ${state.deadline}.` : ''}`, 'warning'));
  if (state.kind === 'renewal') body.push(notice(pupil ? 'Time to read the rules again' : 'Yearly renewal', pupil ? 'It has been a year: please read the rules again and press the button.' : 'Your last agreement to this policy was over a year ago. Please read it again and confirm.', 'accent'));
  body.push(heading(pupil ? 'Keeping safe: stop, think, before you click!' : 'Acceptable Use Policy', { size: 'Medium' }));
  body.push(strongLiteral(view.title));
  body.push(text(`${AUDIENCE_LABELS[view.audience]} · version ${view.versionNumber} · from ${view.effectiveOn}`, { isSubtle: true, spacing: 'None', size: 'Small' }));
  if (view.summary) body.push(field(pupil ? 'In short' : 'Summary', view.summary));
  if (view.changeSummary && view.versionNumber > 1) body.push(field(pupil ? 'What is new' : 'What changed', view.changeSummary));

  const actions: CardElement[] = [];
  if (view.body) {
    const kept = cutToMessageBytes(view.body, CARD_BODY_MAX_BYTES);
    const cut = kept.length < view.body.length;
    const shown = cut ? `${kept}…` : view.body;
    actions.push({
      type: 'Action.ShowCard',
      title: pupil ? 'Read the rules' : 'Read the policy',
      card: {
        type: 'AdaptiveCard',
        body: [literal(shown), ...(cut ? [text('The text is cut short here: open the full document to read the rest.', { isSubtle: true })] : [])],
      },
    });
  }
  if (view.linkUrl) actions.push({ type: 'Action.OpenUrl', title: pupil ? 'Open the full rules' : 'Open the full document', url: view.linkUrl });

  if (state.kind === 'acknowledged') {
    body.push(notice(`Acknowledged on ${state.at}`, pupil ? 'Thank you. Remember: stop, think, before you click. If something online worries you, tell a trusted adult.' : 'Thank you. A record of this version and the time is kept in the school\'s register. Type "what have I agreed to?" at any time to see your policies.', 'good'));
    actions.push(execute(pupil ? 'What have I agreed to?' : 'What have I agreed to?', AUP_VERBS.myStatus));
    return card(body, actions);
  }
  if (state.kind === 'superseded') {
    body.push(notice('There is a newer version', 'This version has been replaced. Look for the newer card in this chat, or type "what have I agreed to?".', 'warning'));
    actions.push(execute('What have I agreed to?', AUP_VERBS.myStatus));
    return card(body, actions);
  }
  if (state.kind === 'on-paper') {
    // Read only: an offline audience's agreement is signed on paper, never with a button.
    const words = onPaperWords(view.audience);
    body.push(notice(words.title, words.body, 'accent'));
    return card(body, actions);
  }
  body.push(
    text(
      pupil
        ? 'I have read the school rules for using computers, the internet, e-mail, cameras and other technology. I understand these rules are there to help keep me safe, and my friends and family safe. I agree to follow the rules.'
        : 'By pressing the button you confirm that you have read this policy, understand it, and agree to follow it. Your name, the version and the time are recorded.',
      { spacing: 'Medium' },
    ),
  );
  actions.push(execute(pupil ? 'I have read the rules and I agree' : 'I have read and agree', AUP_VERBS.agree, { versionId: view.versionId }, { style: 'positive' }));
  return card(body, actions, { refresh: { action: execute('Refresh', AUP_VERBS.refresh, { versionId: view.versionId }), ...(view.refreshUserIds?.length ? { userIds: view.refreshUserIds } : {}) } });
}

export interface MyAupLine {
  title: string;
  audience: Audience;
  versionNumber: number;
  status: 'current' | 'expired' | 'outstanding' | 'never-asked';
  /** e.g. "22 Nov 2026, 14:05" */
  acknowledgedAt?: string;
  expiresOn?: string;
  acknowledgedVersion?: number;
  versionId: string;
}

/** "What have I agreed to?": one line per policy that applies to the person, with history. */
export function buildMyAupCard(lines: readonly MyAupLine[], history: readonly { title: string; versionNumber: number; at: string; method: string }[]): AdaptiveCard {
  const body: CardElement[] = [heading('Your Acceptable Use Policies', { size: 'Medium' })];
  const actions: CardElement[] = [];
  if (!lines.length) body.push(text('No Acceptable Use Policy has been sent to you through Jigsaw yet. If you think one should have been, ask the school office or the online-safety lead.'));
  for (const l of lines) {
    const offline = isOfflineAudience(l.audience);
    const state =
      l.status === 'current'
        ? `✅ Agreed on ${l.acknowledgedAt} (valid until ${l.expiresOn})`
        : l.status === 'expired'
          ? `⚠ Needs agreeing again: you agreed to version ${l.acknowledgedVersion} on ${l.acknowledgedAt}${l.acknowledgedVersion === l.versionNumber ? ', over a year ago' : ', and it has changed since'}`
          : '⚠ Not agreed yet';
    const items = [strongLiteral(l.title), text(`${AUDIENCE_LABELS[l.audience]} · version ${l.versionNumber}`, { isSubtle: true, size: 'Small', spacing: 'None' }), text(state, { spacing: 'Small' })];
    // Offline audiences (KS1 pupils, parents) sign on paper: no "Read and agree" for them.
    if (offline && l.status !== 'current') items.push(text(`${onPaperWords(l.audience).title}.`, { isSubtle: true, spacing: 'None' }));
    body.push({ type: 'Container', separator: true, items });
    if (l.status !== 'current' && !offline && actions.length < 5) actions.push(execute(`Read and agree: ${l.audience}`, AUP_VERBS.refresh, { versionId: l.versionId }));
  }
  if (history.length) {
    body.push(text('History', { weight: 'Bolder', spacing: 'Large' }));
    for (const h of history.slice(0, 20)) body.push(field(`${h.at} · ${h.method}`, `${h.title} (version ${h.versionNumber})`));
  }
  return card(body, actions);
}

export interface AupProgressView {
  versionId: string;
  title: string;
  audience: Audience;
  versionNumber: number;
  total: number;
  queued: number;
  sending: number;
  sent: number;
  uncertain: number;
  failed: number;
  skipped: number;
  acknowledged: number;
  updatedAt: string;
  done: boolean;
  /** The number of the version that replaced this one while it was going out: its unsent cards were not sent. */
  replacedBy?: number;
}

function progressHeading(v: AupProgressView): string {
  if (v.replacedBy !== undefined) return `AUP broadcast replaced by version ${v.replacedBy}`;
  return v.done ? 'AUP broadcast finished' : 'AUP broadcast in progress';
}

/** The admin's progress card, updated in place by the sender as the broadcast goes out. */
export function buildAupProgressCard(v: AupProgressView): AdaptiveCard {
  const pct = (n: number) => (v.total ? `${Math.round((100 * n) / v.total)}%` : '0%');
  const body: CardElement[] = [
    heading(progressHeading(v), { size: 'Medium' }),
    strongLiteral(`${v.title} (version ${v.versionNumber})`),
    text(AUDIENCE_LABELS[v.audience], { isSubtle: true, spacing: 'None' }),
    ...(v.replacedBy !== undefined
      ? [text(`Version ${v.replacedBy} was published before every card of this version had gone: the rest were not sent, and everyone is asked to agree to version ${v.replacedBy} instead. These counts are final.`)]
      : []),
    {
      type: 'FactSet',
      facts: [
        { title: 'People', value: String(v.total) },
        { title: 'Delivered', value: `${v.sent} (${pct(v.sent)})` },
        { title: 'Waiting', value: String(v.queued + v.sending) },
        { title: 'Acknowledged', value: `${v.acknowledged} (${pct(v.acknowledged)})` },
        { title: 'Not reachable in Teams', value: String(v.failed) },
        { title: 'Delivery uncertain', value: String(v.uncertain) },
        { title: 'No Teams card needed', value: String(v.skipped) },
      ],
    },
    text(`Updated ${v.updatedAt}`, { isSubtle: true, size: 'Small' }),
  ];
  if (v.failed) body.push(notice('Some people could not be reached', `Teams refused their card, or an outage outlasted the retries. Run "jigsaw aup stuck ${v.versionId}" to see who and why; once the cause is fixed, "jigsaw aup retry ${v.versionId} --failed" sends theirs again. Or collect their acknowledgement on paper or by form (then "jigsaw aup import").`, 'warning'));
  if (v.uncertain) body.push(text('"Delivery uncertain": Jigsaw stopped while sending these and does not send a second card; they get the reminder if they have not agreed. "jigsaw aup retry … --uncertain" sends them again (some may then see it twice).', { isSubtle: true, size: 'Small' }));
  return card(body, [execute('Refresh', AUP_VERBS.progress, { versionId: v.versionId })]);
}

/** To the online-safety lead after the deadline: who has not agreed (names shown literally). */
export function buildAupOutstandingCard(v: { title: string; audience: Audience; versionNumber: number; deadline: string; people: readonly { name: string; sentOn: string }[]; total: number }): AdaptiveCard {
  const shown = v.people.slice(0, 50);
  return card([
    heading('Acceptable Use Policy: still outstanding', { size: 'Medium' }),
    strongLiteral(`${v.title} (version ${v.versionNumber})`),
    text(`${AUDIENCE_LABELS[v.audience]}. The deadline (${v.deadline}) has passed and ${v.people.length} of ${v.total} people have not agreed, after two reminders.`),
    ...shown.map((p) => field(`Sent ${p.sentOn}`, p.name)),
    ...(v.people.length > shown.length ? [text(`…and ${v.people.length - shown.length} more: run "jigsaw aup status --csv FILE" for the full list.`, { isSubtle: true })] : []),
    text('Follow up in person; paper or online-form acknowledgements can be added with "jigsaw aup import".', { isSubtle: true, size: 'Small' }),
  ]);
}
