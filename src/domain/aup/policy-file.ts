import { type AupVersionDraft, AUDIENCES, isAudience } from './types';
import { isCalendarDate } from '../clock';

/**
 * The file `jigsaw aup publish FILE` reads: a front-matter block of `key: value` lines between
 * `---` lines, then the policy in markdown. Keys: audience, title, effective (YYYY-MM-DD),
 * link (https URL of the full document), summary, changes. Returns the draft or every problem.
 */
export function parsePolicyFile(text: string): { draft: AupVersionDraft } | { problems: string[] } {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) return { problems: ['the file must start with a "---" block of settings (audience, title, effective…), then the policy text'] };
  const meta: Record<string, string> = {};
  for (const line of m[1]!.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const kv = /^([A-Za-z_-]+)\s*:\s*(.*)$/.exec(line);
    if (!kv) return { problems: [`cannot read the setting line "${line.slice(0, 60)}"`] };
    meta[kv[1]!.toLowerCase()] = kv[2]!.trim().replace(/^"(.*)"$/, '$1');
  }
  return validateDraft({
    audience: meta.audience ?? '',
    title: meta.title ?? '',
    effectiveOn: meta.effective ?? meta.effective_on ?? '',
    linkUrl: meta.link || undefined,
    summary: meta.summary || undefined,
    changeSummary: meta.changes || undefined,
    body: m[2]!.trim() || undefined,
  });
}

export function validateDraft(raw: { audience: string; title: string; effectiveOn: string; linkUrl?: string; summary?: string; changeSummary?: string; body?: string }): { draft: AupVersionDraft } | { problems: string[] } {
  const problems: string[] = [];
  if (!isAudience(raw.audience)) problems.push(`audience must be one of ${AUDIENCES.join(', ')}`);
  const title = raw.title.trim();
  if (!title || title.length > 200) problems.push('title is required (at most 200 characters)');
  if (!isCalendarDate(raw.effectiveOn)) problems.push('effective must be a date, YYYY-MM-DD');
  if (raw.linkUrl && !/^https:\/\/[^\s]+$/.test(raw.linkUrl)) problems.push('link must be an https:// address');
  if (!raw.body && !raw.linkUrl) problems.push('give the policy text below the settings, or a link to the full document');
  if (raw.body && raw.body.length > 20_000) problems.push('the policy text is over 20,000 characters: publish a link to the full document and a short summary instead');
  if (raw.summary && raw.summary.length > 1000) problems.push('summary must be at most 1,000 characters');
  if (raw.changeSummary && raw.changeSummary.length > 1000) problems.push('changes must be at most 1,000 characters');
  if (problems.length) return { problems };
  return {
    draft: {
      audience: raw.audience as AupVersionDraft['audience'],
      title,
      effectiveOn: raw.effectiveOn,
      ...(raw.linkUrl ? { linkUrl: raw.linkUrl } : {}),
      ...(raw.summary ? { summary: raw.summary } : {}),
      ...(raw.changeSummary ? { changeSummary: raw.changeSummary } : {}),
      ...(raw.body ? { body: raw.body } : {}),
    },
  };
}
