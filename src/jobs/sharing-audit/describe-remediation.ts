import { type GraphFailureKind, VerifiedDomainsRefused } from './ports';
import type { RemediationAction, RemediationResult } from './remediate';

/** What a remediation did, in words an admin or owner reads on a card or in the tab. */
export interface RemediationMessage {
  title: string;
  body: string;
  style: 'good' | 'warning' | 'attention';
}

/**
 * Why nothing could be changed, by kind of Graph failure: only an unreachable Microsoft 365 is
 * worth trying again; a refusal needs IT to fix the remediation app (docs/permissions.md).
 */
export function describeGraphFailure(kind: GraphFailureKind): RemediationMessage {
  switch (kind) {
    case 'unreachable':
      return { title: 'That did not work', body: 'Jigsaw could not reach Microsoft 365 just now; nothing was changed. Please try again in a moment.', style: 'attention' };
    case 'busy':
      return {
        title: 'Microsoft 365 is busy',
        body: 'Microsoft 365 has asked Jigsaw to slow down (it limits how much each app may ask of it per minute, and a sharing audit may be using this school’s share); nothing was changed. Please try again in a few minutes.',
        style: 'attention',
      };
    case 'refused':
      return {
        title: 'Microsoft 365 refused to remove the link',
        body: 'Nothing was changed. IT must check Jigsaw’s remediation app: it needs the Files.ReadWrite.All application permission with admin consent, and a valid secret or certificate (see docs/permissions.md). Until then, remove the link in OneDrive.',
        style: 'attention',
      };
    case 'not-found':
      return { title: 'Already gone', body: 'The file or its link no longer exists in Microsoft 365; nothing was changed. The next audit marks the finding resolved.', style: 'warning' };
    case 'error':
      return { title: 'That did not work', body: 'Jigsaw could not remove the link because of an unexpected error; nothing was changed. IT can find the details in Jigsaw’s logs.', style: 'attention' };
  }
}

/** Why a Graph failure changed nothing, from the error itself (a few failures say more than their kind). */
export function describeGraphError(err: unknown, kind: GraphFailureKind): RemediationMessage {
  if (err instanceof VerifiedDomainsRefused) {
    return {
      title: 'Microsoft 365 refused to list the school’s domains',
      body: 'Jigsaw needs the school’s verified domains to judge who is outside the school; nothing was changed. IT must grant Jigsaw’s audit app the Organization.Read.All application permission with admin consent, or list the domains in AUDIT_VERIFIED_DOMAINS (see docs/permissions.md).',
      style: 'attention',
    };
  }
  return describeGraphFailure(kind);
}

/** The one kind that decides what to tell the person when actions failed: a refusal first (IT must act), then an outage. */
export function failureKindOfActions(actions: readonly RemediationAction[]): GraphFailureKind | null {
  const kinds = new Set(actions.filter((a) => a.outcome === 'failed').map((a) => a.failure ?? 'error'));
  if (kinds.size === 0) return null;
  for (const kind of ['refused', 'unreachable', 'busy', 'error', 'not-found'] as const) if (kinds.has(kind)) return kind;
  return 'error';
}

export function describeRemediation(result: RemediationResult): RemediationMessage {
  if (result.skipped.length && result.actions.length === 0) return { title: 'Nothing to do', body: `Nothing was changed (${result.skipped[0]!.reason}).`, style: 'good' };
  const failure = failureKindOfActions(result.actions);
  if (failure) {
    const why = describeGraphFailure(failure);
    return { title: 'The link could not be removed', body: why.body, style: 'attention' };
  }
  const removed = result.actions.filter((a) => a.outcome === 'removed').length;
  const inherited = result.actions.filter((a) => a.outcome === 'refused-inherited').length;
  const gone = result.actions.filter((a) => a.outcome === 'not-found').length;
  const stillExposed = result.actions.some((a) => a.stillExposed === true);
  if (removed === 0 && inherited > 0) return { title: 'The link is on a folder above', body: 'This file inherits its link from a folder; remove the folder\'s link instead (it has its own finding).', style: 'warning' };
  if (stillExposed) return { title: 'Link removed, still exposed', body: `${removed} link(s) removed, but another link still exposes the file.`, style: 'warning' };
  // Nothing removed because the file or its link was already gone: say so, not "Link removed".
  if (removed === 0 && gone > 0) return { title: 'Already gone', body: 'The file or its link no longer exists in Microsoft 365, so there was nothing to remove; the finding is marked remediated.', style: 'good' };
  return { title: 'Link removed', body: `${removed || 'No'} link(s) removed and re-checked: the file is no longer exposed. Recorded with your name.`, style: 'good' };
}
