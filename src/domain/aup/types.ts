/**
 * The AUP domain's plain data. Policies are per audience ("the staff AUP", "the KS2 pupil
 * AUP"); each publication is an immutable version identified by its content hash.
 */
export const AUDIENCES = ['staff', 'governors', 'volunteers', 'pupils-ks1', 'pupils-ks2', 'pupils-ks3', 'pupils-ks4', 'pupils-ks5', 'parents'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const AUDIENCE_LABELS: Record<Audience, string> = {
  staff: 'Staff',
  governors: 'Governors',
  volunteers: 'Volunteers and contractors',
  'pupils-ks1': 'Pupils, Key Stage 1 (parents sign)',
  'pupils-ks2': 'Pupils, Key Stage 2',
  'pupils-ks3': 'Pupils, Key Stage 3',
  'pupils-ks4': 'Pupils, Key Stage 4',
  'pupils-ks5': 'Pupils, sixth form',
  parents: 'Parents and carers',
};

/** Audiences who usually have no Teams account: their acknowledgements are imported. */
export const OFFLINE_AUDIENCES: readonly Audience[] = ['pupils-ks1', 'parents'];

/**
 * Whether an audience signs on paper or by form only: no Teams card, no reminder or renewal in
 * Teams, and no agreeing in Teams (KS1 pupils' parents sign for them), whoever is in it.
 */
export function isOfflineAudience(audience: Audience): boolean {
  return OFFLINE_AUDIENCES.includes(audience);
}

export function isAudience(value: string): value is Audience {
  return (AUDIENCES as readonly string[]).includes(value);
}

/** What an admin publishes. `body` (markdown) or `linkUrl` (the full document), or both. */
export interface AupVersionDraft {
  audience: Audience;
  title: string;
  body?: string;
  linkUrl?: string;
  /** YYYY-MM-DD */
  effectiveOn: string;
  /** What changed since the previous version (shown on the card). */
  changeSummary?: string;
  /** Plain-language summary shown on the card (defaults to the change summary). */
  summary?: string;
}

export interface AupVersion extends AupVersionDraft {
  tenantId: string;
  versionId: string;
  /** 1, 2, 3… per audience. */
  versionNumber: number;
  contentHash: string;
  publishedBy: string;
  publishedAt: Date;
}

/** How an acknowledgement was given. */
export type AckMethod = 'teams' | 'paper' | 'online-form';
export const ACK_METHODS: readonly AckMethod[] = ['teams', 'paper', 'online-form'];

export interface Acknowledgement {
  tenantId: string;
  versionId: string;
  personId: string;
  aadObjectId?: string;
  displayName: string;
  acknowledgedAt: Date;
  contentHash: string;
  method: AckMethod;
  /** For a KS1 pupil: the parent or carer who signed on their behalf. */
  signedBy?: string;
  recordedBy: string;
}

/** A person in an audience. `personId` is the Entra object id, or `ext:<ref>` for people without Teams. */
export interface AudienceMember {
  personId: string;
  aadObjectId?: string;
  displayName: string;
  email?: string;
}

export type AupStatus = 'current' | 'expired' | 'outstanding' | 'never-asked';
