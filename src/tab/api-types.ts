// The tab API's JSON, as the browser sees it (dates are ISO strings).
export type TabView = 'my-reports' | 'queue' | 'private-concerns' | 'access-log' | 'governors' | 'admin-settings' | 'sharing-audit' | 'aup-register' | 'records';

export interface Me {
  name: string;
  roles: string[];
  views: TabView[];
}

export interface QueueItem {
  concernId: string;
  reference: string;
  category: string;
  categoryTitle: string;
  fourC?: string;
  urgency: 'urgent' | 'standard';
  status: 'new' | 'acknowledged' | 'in-progress' | 'closed';
  ownerName?: string;
  /** An open concern whose owner is no longer on the DSL channel's roster (queue only). */
  ownerLeftDslTeam?: boolean;
  riskLevel?: string;
  pupils: string[];
  createdAt: string;
  updatedAt: string;
}

export interface QueueResponse {
  concerns: QueueItem[];
  owners: { aadObjectId: string; name: string }[];
}

export interface ChronologyItem {
  seq: number;
  type: string;
  summary: string;
  actorName: string;
  at: string;
  details: Record<string, unknown>;
  reference?: string;
  concernId?: string;
}

export interface ConcernDetail {
  concern: Omit<QueueItem, 'pupils'> & {
    about: 'pupil' | 'adult' | 'headteacher';
    adultName?: string;
    occurredOn: string;
    occurredTime?: string;
    location: string;
    whatHappened: string;
    childWords?: string;
    actionTaken?: string;
    reporterName: string;
    pupils: { name: string; position: number }[];
    /** The owner's Entra object id: sent back as `fromOwner` when taking the concern over. */
    ownerAadId?: string;
  };
  timeZone: string;
  access: string;
  chronology: ChronologyItem[];
  actions: string[];
  choices: { outcomes: { id: string; title: string }[]; riskLevels: { id: string; title: string }[]; people: { id: string; title: string }[] };
  /** Concerns about adults: the people given access (empty for the DSL team's concerns). */
  /** `id` (Entra object id) only for whoever may withdraw access. */
  participants: { id?: string; name: string }[];
}

export interface PupilChronology {
  pupil: { name: string };
  concerns: QueueItem[];
  events: ChronologyItem[];
}

export interface MyReports {
  reports: { reference: string; createdAt: string; status: string; statusText: string }[];
  aups: { title: string; versionNumber: number; status: string; acknowledgedAt?: string; expiresAt?: string }[];
}

/** count null: between 1 and minCount - 1, not shown (small-number suppression). */
export interface CountRow {
  key: string;
  label: string;
  count: number | null;
}

export interface GovernorReport {
  periodStart: string;
  periodEnd: string;
  minCount: number;
  total: number | null;
  byCategory: CountRow[];
  byFourC: CountRow[];
  byMonth: CountRow[];
  byStatus: CountRow[];
  outcomes: CountRow[];
  acknowledgement: { acknowledged: number | null; medianMinutes?: number; within15Minutes: number | null; within1Day: number | null };
  /** Per audience; a null count is between 1 and minCount - 1 (or hidden so that one cannot be worked out from the total; the total is null only when it would give them all away). */
  aup: { audience: string; audienceTitle: string; versionNumber: number; current: number | null; expired: number | null; outstanding: number | null; neverAsked: number | null; total: number | null }[];
}

export interface AccessLog {
  entries: { at: string; actorName: string; action: string; reference?: string; pupil?: string; outcome: string }[];
}

export interface AdminSettings {
  school: { name: string; timeZone: string };
  roles: { role: string; roleTitle: string; name: string; aadObjectId: string; source: string }[];
  roleChoices: { id: string; title: string; single: boolean }[];
  people: { id: string; title: string }[];
  roleChanges: { role: string; name: string; change: 'assigned' | 'removed'; byName: string; at: string }[];
  dslChannel?: { name: string; registeredBy: string };
  dslMembers: string[];
  rosterRefreshedAt?: string;
  thresholds: { name: string; value: string }[];
}

export interface SharingAudit {
  remediationEnabled: boolean;
  runs: { runId: string; mode: string; status: string; startedAt: string; finishedAt?: string; error?: string; retryAt?: string; stats: Record<string, number>; failureCount: number; findingsSeen: number }[];
  /** How many findings match the filters; `findings` holds the first (most severe) of them. */
  findingsTotal: number;
  findings: { findingId: string; name: string; path: string; scope: string; linkType: string; severity: string; pupilDataLikely: boolean; exposedDescendants: number; ownerName: string | null; status: string; statusReason: string | null; lastSeenAt: string }[];
}

export interface AupRegister {
  audienceChoices: { id: string; title: string }[];
  /** Audiences kept from Entra groups (AUP_AUDIENCE_GROUPS): their last reading. */
  groupAudiences: { audience: string; audienceTitle: string; groups: number; syncedAt?: string; members?: number; failedAt?: string; error?: string; failedAttempts: number }[];
  versions: {
    versionId: string;
    audience: string;
    audienceTitle: string;
    title: string;
    versionNumber: number;
    publishedAt: string;
    sends: Record<string, number>;
    /** People whose card failed, or may not have arrived (uncertain): the admin can send it again. */
    stuck: { personId: string; name: string; status: 'failed' | 'uncertain'; at: string; card: string; reason?: string; notRetried?: string }[];
  }[];
  register: { audience: string; audienceTitle: string; name: string; status: string; latestVersionNumber: number; acknowledgedVersion?: number; acknowledgedAt?: string; expiresAt?: string; method?: string }[];
}

/** GET records: the records' retention, read-only (the Data Protection Officer). */
export interface RecordsRetention {
  periods: { concernYears: number; aupYears: number; auditFindingsDays: number };
  cutoffs: { concerns: string; aup: string; auditFindings: string };
  due: { concerns: { reference: string; recordedAt: string }[]; aupAcknowledgements: number; aupSends: number; auditFindings: number };
  keptOpen: { reference: string; status: string; recordedAt: string }[];
  keptAboutAdults: { reference: string; recordedAt: string }[];
  holds: { scope: 'concern' | 'school'; reference?: string; reason: string; placedBy: string; placedAt: string; released?: { by: string; at: string; reason: string } }[];
  deletions: { reference: string; about: string; reason: string; deletedBy: string; deletedAt: string }[];
  purges: { at: string; by: string; concerns: number; aupAcknowledgements: number; aupSends: number; auditFindings: number }[];
}
