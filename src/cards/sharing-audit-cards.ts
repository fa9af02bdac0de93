import type { Severity } from '../domain/sharing/types';
import { type AdaptiveCard, type CardElement, card, execute, heading, literal, notice, text } from './card-kit';

/**
 * The sharing audit's cards: the admins' summary after a run, each owner's digest of their
 * exposed files, and short notices. File names may contain pupils' names, so they only ever
 * go through `literal()` (never markdown), and only to the admins (whose job is to act on
 * them) and to the file's own owner. Card data carries ids, never names.
 */
export const SHARING_AUDIT_VERBS = {
  removeLink: 'audit.remove-link',
  notifyOwners: 'audit.notify-owners',
  ownerRemove: 'audit.owner-remove',
  ownerKeep: 'audit.owner-keep',
} as const;

export type ExposureScopeView = 'anonymous' | 'organization' | 'external';
export type FindingStatusView = 'open' | 'remediated' | 'accepted' | 'resolved';

const SCOPE_WORDS: Record<ExposureScopeView, string> = {
  anonymous: 'Anyone with the link (no sign-in)',
  organization: 'Everyone in the school, pupils included',
  external: 'Someone outside the school',
};

const STATUS_WORDS: Record<FindingStatusView, string> = {
  open: 'Open',
  remediated: 'Link removed',
  accepted: 'Kept (with a reason)',
  resolved: 'No longer exposed',
};

export interface CardMessage {
  title: string;
  body: string;
  style: 'good' | 'warning' | 'attention';
}

export interface AuditSummaryView {
  runId: string;
  mode: 'full' | 'incremental';
  /** Already formatted in the school's time zone. */
  finishedAt: string | null;
  stats: { drives: number; items: number; sharingRoots: number; resourceUnits: number; throttled: number };
  bySeverity: Record<Severity, number>;
  pupilDataLikely: number;
  /** The first critical findings (file names shown to admins only). */
  critical: Array<{ findingId: string; name: string; scope: ExposureScopeView; status: FindingStatusView }>;
  /** Critical findings not listed on the card. */
  moreCritical: number;
  remediationEnabled: boolean;
  ownersNotified?: { owners: number; findings: number; withoutOwner: number } | null;
  message?: CardMessage | null;
}

const n = (v: number) => v.toLocaleString('en-GB');

export function buildAuditSummaryCard(view: AuditSummaryView): AdaptiveCard {
  const total = view.bySeverity.critical + view.bySeverity.high + view.bySeverity.medium + view.bySeverity.low;
  const s = view.stats;
  const body: CardElement[] = [
    heading(total === 0 ? 'Sharing audit: nothing exposed' : `Sharing audit: ${n(total)} exposed item${total === 1 ? '' : 's'}`, { size: 'Medium' }),
    text(
      `${view.mode === 'full' ? 'Full' : 'Incremental'} audit${view.finishedAt ? ` finished ${view.finishedAt}` : ''}: ${n(s.drives)} drives, ${n(s.items)} items, ${n(s.sharingRoots)} shared items checked (${n(s.resourceUnits)} Graph resource units${s.throttled ? `, throttled ${n(s.throttled)} times` : ''}).`,
      { isSubtle: true, size: 'Small' },
    ),
  ];
  if (view.message) body.push(notice(view.message.title, view.message.body, view.message.style));
  body.push({
    type: 'FactSet',
    facts: [
      { title: 'Critical', value: n(view.bySeverity.critical) },
      { title: 'High', value: n(view.bySeverity.high) },
      { title: 'Medium', value: n(view.bySeverity.medium) },
      { title: 'Low', value: n(view.bySeverity.low) },
      { title: 'Likely pupil data', value: n(view.pupilDataLikely) },
    ],
  });
  if (view.critical.length) {
    body.push(text('**Critical**: anyone with the link can open these, and they look like pupil data.', { spacing: 'Medium' }));
    view.critical.forEach((f) => {
      const items: CardElement[] = [
        literal(f.name, { spacing: 'None' }),
        text(`${SCOPE_WORDS[f.scope]} · ${STATUS_WORDS[f.status]} · ${f.findingId}`, { isSubtle: true, size: 'Small', spacing: 'None' }),
      ];
      if (view.remediationEnabled && f.status === 'open') {
        items.push({ type: 'ActionSet', actions: [execute('Remove link', SHARING_AUDIT_VERBS.removeLink, { runId: view.runId, findingId: f.findingId })] });
      }
      body.push({ type: 'Container', separator: true, spacing: 'Small', items });
    });
    if (view.moreCritical > 0) body.push(text(`…and ${n(view.moreCritical)} more critical finding(s): see \`jigsaw audit-sharing --csv FILE\`.`, { size: 'Small' }));
    if (!view.remediationEnabled) {
      body.push(notice('Removing links from Teams is off', 'Remove them in OneDrive (Share → Manage access), ask the owners with "Notify owners", or ask IT to enable remediation (REMEDIATION_ENABLED).', 'warning'));
    }
  }
  if (view.ownersNotified) {
    const o = view.ownersNotified;
    body.push(
      text(
        `Owners notified: ${n(o.owners)} (${n(o.findings)} file(s))${o.withoutOwner ? `; ${n(o.withoutOwner)} finding(s) have no owner to tell (site libraries)` : ''}. Their answers are recorded.`,
        { size: 'Small' },
      ),
    );
  }
  const actions = total > 0 && !view.ownersNotified ? [execute('Notify owners', SHARING_AUDIT_VERBS.notifyOwners, { runId: view.runId })] : [];
  return card(body, actions);
}

export interface OwnerDigestFileView {
  findingId: string;
  name: string;
  scope: ExposureScopeView;
  severity: Severity;
  pupilDataLikely: boolean;
  status: FindingStatusView;
  /** The owner's answer, once given. */
  answer: { response: 'remove' | 'keep'; reason: string | null } | null;
}

export interface OwnerDigestView {
  notificationId: string;
  files: OwnerDigestFileView[];
  /** Files not shown on this card (the card lists at most 10). */
  more: number;
  remediationEnabled: boolean;
  message?: CardMessage | null;
}

export function buildOwnerDigestCard(view: OwnerDigestView): AdaptiveCard {
  const body: CardElement[] = [
    heading('Files you share that may expose pupil data', { size: 'Medium' }),
    text(
      'The school\'s sharing audit found these links. For each file, remove the link, or keep it and say why (your answer is recorded for the school\'s data protection records).',
    ),
  ];
  if (view.message) body.push(notice(view.message.title, view.message.body, view.message.style));
  view.files.forEach((f, index) => {
    const items: CardElement[] = [
      literal(f.name, { spacing: 'None' }),
      text(`${SCOPE_WORDS[f.scope]} · ${f.severity}${f.pupilDataLikely ? ' · looks like pupil data' : ''}`, { isSubtle: true, size: 'Small', spacing: 'None' }),
    ];
    if (f.answer?.response === 'keep' || f.status === 'accepted') {
      items.push(text('You kept this link. Your reason:', { size: 'Small', spacing: 'Small' }));
      items.push(literal(f.answer?.reason ?? '', { spacing: 'None' }));
    } else if (f.status === 'remediated' || f.status === 'resolved') {
      items.push(text(f.status === 'remediated' ? '✔ Link removed.' : '✔ No longer shared this way.', { size: 'Small', spacing: 'Small', color: 'Good' }));
    } else {
      const reasonInput = `reason_${index}`;
      const actions: CardElement[] = [];
      if (view.remediationEnabled) actions.push(execute('Remove link', SHARING_AUDIT_VERBS.ownerRemove, { notificationId: view.notificationId, findingId: f.findingId }));
      actions.push({
        type: 'Action.ShowCard',
        title: 'Keep (reason)',
        card: {
          type: 'AdaptiveCard',
          body: [{ type: 'Input.Text', id: reasonInput, label: 'Why does this link need to stay?', isMultiline: true, maxLength: 500, isRequired: true, errorMessage: 'Say why the link should stay.' }],
          actions: [execute('Keep link', SHARING_AUDIT_VERBS.ownerKeep, { notificationId: view.notificationId, findingId: f.findingId, reasonInput })],
        },
      });
      items.push({ type: 'ActionSet', actions });
      if (!view.remediationEnabled) items.push(text('To remove it: open the file in OneDrive → Share → Manage access → remove the link.', { size: 'Small', isSubtle: true }));
    }
    body.push({ type: 'Container', separator: true, spacing: 'Medium', items });
  });
  if (view.more > 0) body.push(text(`…and ${n(view.more)} more file(s): the school's IT administrator has the full list.`, { size: 'Small' }));
  return card(body);
}

/** A short answer to a card action (refusals, missing setup). Our words only. */
export function buildAuditNoticeCard(title: string, body: string): AdaptiveCard {
  return card([heading(title, { size: 'Medium' }), text(body)]);
}
