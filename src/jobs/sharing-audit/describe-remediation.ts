import type { RemediationResult } from './remediate';

/** What a remediation did, in words an admin or owner reads on a card or in the tab. */
export interface RemediationMessage {
  title: string;
  body: string;
  style: 'good' | 'warning' | 'attention';
}

export function describeRemediation(result: RemediationResult): RemediationMessage {
  if (result.skipped.length && result.actions.length === 0) return { title: 'Nothing to do', body: `Nothing was changed (${result.skipped[0]!.reason}).`, style: 'good' };
  if (result.actions.some((a) => a.outcome === 'failed')) return { title: 'The link could not be removed', body: 'Microsoft 365 refused or did not answer; nothing else was changed. Try again later, or remove it in OneDrive.', style: 'attention' };
  const removed = result.actions.filter((a) => a.outcome === 'removed').length;
  const inherited = result.actions.filter((a) => a.outcome === 'refused-inherited').length;
  const stillExposed = result.actions.some((a) => a.stillExposed === true);
  if (removed === 0 && inherited > 0) return { title: 'The link is on a folder above', body: 'This file inherits its link from a folder; remove the folder\'s link instead (it has its own finding).', style: 'warning' };
  if (stillExposed) return { title: 'Link removed, still exposed', body: `${removed} link(s) removed, but another link still exposes the file.`, style: 'warning' };
  return { title: 'Link removed', body: `${removed || 'No'} link(s) removed and re-checked: the file is no longer exposed. Recorded with your name.`, style: 'good' };
}
