import { createHash } from 'node:crypto';
import type { AupVersionDraft } from './types';

/**
 * The content hash of a version: SHA-256 over its fields joined by the unit separator (U+001F),
 * absent fields as ''. The migration's trigger computes exactly this in SQL, so a row whose hash
 * does not match its content cannot be stored; an acknowledgement records the hash it agreed to.
 */
export function canonicalContent(draft: Pick<AupVersionDraft, 'audience' | 'title' | 'body' | 'linkUrl' | 'effectiveOn' | 'changeSummary' | 'summary'>): string {
  return [draft.audience, draft.title, draft.body ?? '', draft.linkUrl ?? '', draft.effectiveOn, draft.changeSummary ?? '', draft.summary ?? ''].join('\u001f');
}

export function contentHash(draft: Parameters<typeof canonicalContent>[0]): string {
  return createHash('sha256').update(canonicalContent(draft), 'utf8').digest('hex');
}
