import type { AupVersionDraft } from '../../src/domain/aup/types';

/** Test ids shaped like Entra object ids: aup-person n → 0000000n-aaaa-4000-8000-00000000000n. */
export function personId(n: number): string {
  const hex = n.toString(16).padStart(8, '0');
  return `${hex}-aaaa-4000-8000-${hex.padStart(12, '0')}`;
}

export const STAFF_DRAFT: AupVersionDraft = {
  audience: 'staff',
  title: 'Staff Acceptable Use Policy 2026',
  effectiveOn: '2026-12-01',
  summary: 'How staff use school devices, email, social media and pupil data.',
  body: 'I will only use school systems for professional purposes.\nI will not share pupil data outside approved systems.\nI will report any concern to the DSL the same day.',
};

export const PUPIL_DRAFT: AupVersionDraft = {
  audience: 'pupils-ks2',
  title: 'Keeping safe: stop, think, before you click!',
  effectiveOn: '2026-12-01',
  summary: 'Rules to keep you and your friends safe online.',
  body: 'I will only use the internet when a teacher says I can.\nI will tell a trusted adult if I see something that upsets me.',
};
