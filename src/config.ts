import { z } from 'zod';
import { parseCertificatePem, type CertificateCredential } from './graph/certificate-pem';

/**
 * Every setting Jigsaw reads, in one schema. `loadConfig` is called once by the composition
 * root; nothing else reads process.env. A wrong or missing value stops start-up with a
 * message naming each setting at fault. The README's configuration table mirrors this file.
 */
const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
/** Entra ids (tenants, people) compared with what Teams and Entra send: lower case. */
const idCsv = csv.transform((ids) => ids.map((id) => id.toLowerCase()));
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const guidLike = /^[0-9a-zA-Z-]{8,64}$/;
const aadId = optionalText.refine((v) => v === undefined || guidLike.test(v), 'must be an Entra object id');
// A person's object id is compared with the ids Teams and Entra send (lower case): one pasted
// in capitals would otherwise never hold its role.
const personAadId = aadId.transform((v) => v?.toLowerCase());
const httpsUrl = optionalText.refine((v) => v === undefined || /^https:\/\/[^\s/]+/.test(v), 'must be an https URL');
const flag = (def: boolean) =>
  optionalText
    .refine((v) => v === undefined || /^(true|false|1|0|yes|no|on|off)$/i.test(v), 'must be true or false')
    .transform((v) => (v === undefined ? def : /^(true|1|yes|on)$/i.test(v)));
const sha256Hex = optionalText.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v.replace(/:/g, '')), 'must be the certificate\'s SHA-256 thumbprint (64 hex digits)');
// Key + certificate PEM text (a Key Vault certificate's secret). Checked here so a wrong value
// stops start-up with its name; the message never quotes the key.
const certificatePem = optionalText.superRefine((v, ctx) => {
  if (v === undefined) return;
  try {
    parseCertificatePem(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
const domainList = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)))
  .refine((v) => v === undefined || v.every((d) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(d)), 'must be a comma-separated list of domain names');
/** Licence bands of the SharePoint RU table (platform-facts.md); the default is the smallest. */
export const GRAPH_LICENCE_BANDS = ['0-1000', '1001-5000', '5001-15000', '15001-50000', '50000+'] as const;

export const ConfigSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: int(3978, 0, 65535),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    BOT_ID: optionalText,
    BOT_PASSWORD: optionalText,
    BOT_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
    BOT_TENANT_ID: optionalText,
    BOT_OPENID_METADATA_URL: optionalText.refine((v) => v === undefined || /^https:\/\//.test(v), 'must be an https URL'),
    ALLOWED_TENANT_IDS: idCsv,

    DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
    // The schema owner, for migrations only; DATABASE_URL is then the app's own non-owner role.
    DATABASE_OWNER_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
    DATA_DIR: z.string().default('./data'),

    BOOTSTRAP_TENANT_ID: optionalText.transform((v) => v?.toLowerCase()),
    SCHOOL_NAME: z.string().default('Our school'),
    SCHOOL_TIMEZONE: z
      .string()
      .default('Europe/London')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-GB', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Europe/London'),
    ADMIN_AAD_IDS: idCsv.refine((ids) => ids.every((id) => guidLike.test(id)), 'must be a comma-separated list of Entra object ids'),
    HEADTEACHER_AAD_ID: personAadId,
    CHAIR_AAD_ID: personAadId,
    DPO_AAD_ID: personAadId,
    IT_MANAGER_AAD_ID: personAadId,
    ONLINE_SAFETY_LEAD_AAD_ID: personAadId,

    ENCRYPTION_KEYS: optionalText,
    ENCRYPTION_ACTIVE_KEY_ID: optionalText,

    OUTBOX_POLL_MS: int(500, 10, 60_000),
    OUTBOX_ALERT_AFTER_ATTEMPTS: int(5, 1, 1000),
    OUTBOX_MAX_BACKOFF_SECONDS: int(300, 1, 86_400),
    OUTBOX_MIN_BACKOFF_MS: int(1000, 1, 600_000),
    OUTBOX_LEASE_SECONDS: int(60, 1, 3600),
    OUTBOX_CONCURRENCY: int(4, 1, 10),

    // Operations: readiness, metrics, retention of records.
    READY_MAX_OUTBOX_LAG_SECONDS: int(300, 1, 86_400),
    METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
    RETENTION_CONCERN_YEARS: int(25, 1, 100),
    RETENTION_AUP_YEARS: int(6, 1, 100),
    RETENTION_AUDIT_FINDINGS_DAYS: int(365, 1, 36_500),

    // Triage: who may act, escalation of urgent concerns, pattern alerts.
    DSL_ROSTER_TTL_SECONDS: int(300, 0, 86_400),
    ESCALATION_FIRST_MINUTES: int(15, 1, 1440),
    ESCALATION_SECOND_MINUTES: int(15, 1, 1440),
    PATTERN_THRESHOLD: int(3, 2, 100),
    PATTERN_WINDOW_DAYS: int(30, 1, 3650),
    SCHEDULER_POLL_MS: int(5000, 10, 600_000),
    // Governors' report: counts from 1 to this - 1 are shown as "fewer than N" (small-number suppression).
    GOVERNOR_REPORT_MIN_COUNT: int(3, 1, 20),

    // Microsoft Graph (the sharing audit). Absent GRAPH_CLIENT_ID = the audit is not configured.
    GRAPH_TENANT_ID: aadId,
    GRAPH_CLIENT_ID: aadId,
    GRAPH_CLIENT_SECRET: optionalText,
    GRAPH_CERT_KEY_FILE: optionalText,
    GRAPH_CERT_THUMBPRINT_SHA256: sha256Hex,
    GRAPH_CERT_PEM: certificatePem,
    AUTHORITY_HOST: httpsUrl,
    GRAPH_BASE_URL: httpsUrl.refine((v) => v === undefined || /^https:\/\/[^/]+(\/v1\.0)?\/?$/.test(v), 'must be the Graph host, optionally followed by /v1.0 (e.g. https://graph.microsoft.com/v1.0)'),
    GRAPH_RU_PER_MINUTE: z.coerce.number().int().min(10).max(1_000_000).optional(),
    GRAPH_LICENCE_BAND: z.enum(GRAPH_LICENCE_BANDS).optional(),
    GRAPH_EXTRA_CA_FILE: optionalText,
    AUDIT_INCLUDE_SITES: flag(false),
    AUDIT_ROSTER_CSV: optionalText,
    AUDIT_VERIFIED_DOMAINS: domainList,
    AUDIT_CONTENT_EVIDENCE: z.enum(['when-needed', 'always']).default('when-needed'),
    // The daily audit run by the app itself, at this school-local time (HH:MM), or off.
    AUDIT_SCHEDULE: z
      .string()
      .trim()
      .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'use "off" or a time of day like 02:30 (24-hour, school time)')
      .default('off'),
    REMEDIATION_ENABLED: flag(false),
    GRAPH_REMEDIATION_CLIENT_ID: aadId,
    GRAPH_REMEDIATION_CLIENT_SECRET: optionalText,
    GRAPH_REMEDIATION_CERT_KEY_FILE: optionalText,
    GRAPH_REMEDIATION_CERT_THUMBPRINT_SHA256: sha256Hex,
    GRAPH_REMEDIATION_CERT_PEM: certificatePem,

    // Acceptable Use Policies: broadcast pacing (Teams: ~30 requests/s per app per tenant, 7/s per conversation), expiry and reminders.
    AUP_SENDS_PER_SECOND: int(25, 1, 50),
    AUP_PER_CONVERSATION_PER_SECOND: int(7, 1, 7),
    AUP_SENDER_CONCURRENCY: int(8, 1, 64),
    AUP_MAX_SEND_ATTEMPTS: int(10, 1, 1000),
    AUP_VALIDITY_MONTHS: int(12, 1, 120),
    AUP_REMINDER_DAYS: z
      .string()
      .default('7,14')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean).map(Number))
      .refine((days) => days.every((d) => Number.isInteger(d) && d >= 1 && d <= 365) && days.every((d, i) => i === 0 || d > days[i - 1]!), 'must be increasing whole numbers of days, e.g. 7,14'),
    AUP_DEADLINE_DAYS: int(21, 1, 365),
    AUP_SCHEDULER_INTERVAL_SECONDS: int(900, 1, 86_400),
    AUP_TEAMS_APP_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f-]{36}$/i.test(v), 'must be the Teams app catalog id (a GUID)'),
    AUP_AUDIENCE_GROUPS: z
      .string()
      .optional()
      .transform((v) => parseAudienceGroups(v ?? ''))
      .refine((m) => m !== undefined, 'must be "audience:groupId|groupId,audience:groupId" with audiences staff, governors, volunteers, pupils-ks1…pupils-ks5, parents'),

    // The tab: its API accepts only Entra ID access tokens issued for the app (Teams SSO).
    // Without TAB_AUDIENCE the tab API refuses every call (the page still loads and says so).
    TAB_AUDIENCE: csv,
    TAB_JWKS_URL: z.string().default('https://login.microsoftonline.com/{tid}/discovery/v2.0/keys'),
    TAB_ISSUER: z.string().default('https://login.microsoftonline.com/{tid}/v2.0'),
    TAB_DEV_TOKENS: flag(false),
  })
  .superRefine((env, ctx) => {
    if (env.BOT_ID) {
      if (env.BOT_TYPE !== 'UserAssignedMSI' && !env.BOT_PASSWORD) {
        ctx.addIssue({ code: 'custom', path: ['BOT_PASSWORD'], message: 'is required in production mode (BOT_ID is set) unless BOT_TYPE=UserAssignedMSI' });
      }
      if (env.BOT_TYPE !== 'MultiTenant' && !env.BOT_TENANT_ID) {
        ctx.addIssue({ code: 'custom', path: ['BOT_TENANT_ID'], message: `is required when BOT_TYPE=${env.BOT_TYPE}` });
      }
      if (!env.ENCRYPTION_KEYS) {
        ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'is required in production mode (BOT_ID is set): narrative is encrypted at rest' });
      }
      if (env.ALLOWED_TENANT_IDS.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['ALLOWED_TENANT_IDS'], message: 'is required in production mode: list the Entra tenant ids this service serves' });
      }
    } else if (!isLoopbackHost(env.HOST)) {
      ctx.addIssue({ code: 'custom', path: ['HOST'], message: `local mode (no BOT_ID) accepts unauthenticated requests, so it binds 127.0.0.1 only; got "${env.HOST}"` });
    }
    checkGraphSettings(env, ctx);
    checkTabSettings(env, ctx);
    if (env.DATABASE_OWNER_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_OWNER_URL'], message: "needs DATABASE_URL: the owner migrates, DATABASE_URL is the app's own non-owner role" });
    }
    if (env.AUDIT_SCHEDULE !== 'off' && !env.GRAPH_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', path: ['AUDIT_SCHEDULE'], message: 'needs the sharing audit configured (GRAPH_CLIENT_ID and its secret or certificate), or set it to "off"' });
    }
    if (env.AUP_DEADLINE_DAYS <= (env.AUP_REMINDER_DAYS.at(-1) ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['AUP_DEADLINE_DAYS'], message: 'must be after the last reminder (AUP_REMINDER_DAYS)' });
    }
    if (env.ENCRYPTION_KEYS && !/^([A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$/.test(env.ENCRYPTION_KEYS)) {
      ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'must be "keyId:base64(32 bytes)" entries separated by commas' });
    } else if (env.ENCRYPTION_KEYS) {
      const ids = env.ENCRYPTION_KEYS.split(',').map((e) => e.split(':')[0]);
      const twice = ids.find((id, i) => ids.indexOf(id) !== i);
      if (twice) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: `lists key id ${twice} twice: give each master key its own id (a new key needs a new id)` });
      if (env.ENCRYPTION_ACTIVE_KEY_ID && !ids.includes(env.ENCRYPTION_ACTIVE_KEY_ID)) {
        ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_ACTIVE_KEY_ID'], message: `is ${env.ENCRYPTION_ACTIVE_KEY_ID}, which ENCRYPTION_KEYS does not list (its key ids: ${ids.join(', ')})` });
      }
    }
    if (env.ENCRYPTION_ACTIVE_KEY_ID && !env.ENCRYPTION_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_ACTIVE_KEY_ID'], message: 'needs ENCRYPTION_KEYS: it names one of those keys' });
    }
  });

export type RawConfig = z.infer<typeof ConfigSchema>;

type ParsedEnv = Omit<RawConfig, never>;
type IssueSink = { addIssue(issue: { code: 'custom'; path: string[]; message: string }): void };

/** One credential per app: a secret, a certificate's key file with its thumbprint, or key + certificate PEM. */
function checkCredential(env: ParsedEnv, ctx: IssueSink, prefix: 'GRAPH' | 'GRAPH_REMEDIATION', clientIdKey: string): void {
  const secret = env[`${prefix}_CLIENT_SECRET`];
  const keyFile = env[`${prefix}_CERT_KEY_FILE`];
  const thumbprint = env[`${prefix}_CERT_THUMBPRINT_SHA256`];
  const pem = env[`${prefix}_CERT_PEM`];
  const chosen = [secret && `${prefix}_CLIENT_SECRET`, keyFile && `${prefix}_CERT_KEY_FILE`, pem && `${prefix}_CERT_PEM`].filter(Boolean);
  if (chosen.length > 1) {
    ctx.addIssue({ code: 'custom', path: [chosen[0] as string], message: `and ${chosen.slice(1).join(' and ')} are alternatives: set one, not both` });
  } else if (chosen.length === 0) {
    ctx.addIssue({ code: 'custom', path: [`${prefix}_CLIENT_SECRET`], message: `or ${prefix}_CERT_PEM, or ${prefix}_CERT_KEY_FILE (with ${prefix}_CERT_THUMBPRINT_SHA256), is required when ${clientIdKey} is set` });
  } else if (keyFile && !thumbprint) {
    ctx.addIssue({ code: 'custom', path: [`${prefix}_CERT_THUMBPRINT_SHA256`], message: `is required with ${prefix}_CERT_KEY_FILE` });
  } else if (thumbprint && !keyFile) {
    ctx.addIssue({ code: 'custom', path: [`${prefix}_CERT_KEY_FILE`], message: pem ? `is not needed with ${prefix}_CERT_PEM: remove ${prefix}_CERT_THUMBPRINT_SHA256 (the thumbprint is read from the certificate)` : `is required with ${prefix}_CERT_THUMBPRINT_SHA256` });
  }
}

function checkGraphSettings(env: ParsedEnv, ctx: IssueSink): void {
  const credentialSet = Boolean(env.GRAPH_CLIENT_SECRET || env.GRAPH_CERT_KEY_FILE || env.GRAPH_CERT_THUMBPRINT_SHA256 || env.GRAPH_CERT_PEM);
  if (env.GRAPH_CLIENT_ID) {
    checkCredential(env, ctx, 'GRAPH', 'GRAPH_CLIENT_ID');
    if (!env.GRAPH_TENANT_ID && !env.BOOTSTRAP_TENANT_ID) {
      ctx.addIssue({ code: 'custom', path: ['GRAPH_TENANT_ID'], message: 'is required when GRAPH_CLIENT_ID is set (or set BOOTSTRAP_TENANT_ID)' });
    }
  } else if (credentialSet) {
    ctx.addIssue({ code: 'custom', path: ['GRAPH_CLIENT_ID'], message: 'is required when a Graph secret or certificate is set' });
  }
  if (env.GRAPH_RU_PER_MINUTE !== undefined && env.GRAPH_LICENCE_BAND !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['GRAPH_RU_PER_MINUTE'], message: 'and GRAPH_LICENCE_BAND are alternatives: set one, not both' });
  }
  if (env.REMEDIATION_ENABLED) {
    if (!env.GRAPH_CLIENT_ID) ctx.addIssue({ code: 'custom', path: ['REMEDIATION_ENABLED'], message: 'needs the audit app (GRAPH_CLIENT_ID) as well: remediation re-reads permissions with it' });
    if (!env.GRAPH_REMEDIATION_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', path: ['GRAPH_REMEDIATION_CLIENT_ID'], message: 'is required when REMEDIATION_ENABLED=true (a second app registration with Files.ReadWrite.All)' });
    } else {
      if (env.GRAPH_REMEDIATION_CLIENT_ID === env.GRAPH_CLIENT_ID) {
        ctx.addIssue({ code: 'custom', path: ['GRAPH_REMEDIATION_CLIENT_ID'], message: 'must be a different app registration from GRAPH_CLIENT_ID: the audit app stays read-only' });
      }
      checkCredential(env, ctx, 'GRAPH_REMEDIATION', 'GRAPH_REMEDIATION_CLIENT_ID');
    }
  } else if (env.GRAPH_REMEDIATION_CLIENT_ID || env.GRAPH_REMEDIATION_CLIENT_SECRET || env.GRAPH_REMEDIATION_CERT_KEY_FILE || env.GRAPH_REMEDIATION_CERT_PEM) {
    ctx.addIssue({ code: 'custom', path: ['REMEDIATION_ENABLED'], message: 'is false but remediation credentials are set: set REMEDIATION_ENABLED=true or remove them' });
  }
}

/**
 * The tab's token settings. Outside production a test identity provider on loopback may stand
 * in for Entra ID (http allowed there, and a token may arrive in the page's #token= fragment);
 * production accepts https key sets only and never a token from the URL.
 */
function checkTabSettings(env: ParsedEnv, ctx: IssueSink): void {
  const production = Boolean(env.BOT_ID);
  for (const key of ['TAB_JWKS_URL', 'TAB_ISSUER'] as const) {
    const value = env[key];
    let url: URL | undefined;
    try {
      url = new URL(value.replace(/\{tid\}/g, '00000000-0000-0000-0000-000000000000'));
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be a URL (use {tid} where the tenant id goes)' });
    else if (key === 'TAB_JWKS_URL' && url.protocol !== 'https:' && (production || !isLoopbackHost(url.hostname))) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'must be https (http is accepted only for a test identity provider on 127.0.0.1 outside production)' });
    }
  }
  if (production && env.TAB_DEV_TOKENS) {
    ctx.addIssue({ code: 'custom', path: ['TAB_DEV_TOKENS'], message: 'must not be set in production mode (BOT_ID is set): the tab takes its token from Teams only' });
  }
  if (env.TAB_AUDIENCE.some((a) => !/^(api:\/\/[^\s,]+|[0-9a-fA-F-]{36})$/.test(a))) {
    ctx.addIssue({ code: 'custom', path: ['TAB_AUDIENCE'], message: 'must list the app\'s API identifier (api://{domain}/{clientId}) and/or its client id' });
  }
}

/**
 * An app's credential as configured: a secret, a certificate key file (read when used), or a
 * certificate given inline as PEM (already parsed and checked).
 */
export type GraphCredentialConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; keyFile: string; thumbprintSha256: string }
  | { kind: 'certificate-pem'; certificate: CertificateCredential };

export interface GraphConfig {
  tenantId: string;
  clientId: string;
  credential: GraphCredentialConfig;
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** Graph's origin without the version, e.g. https://graph.microsoft.com (the edge adds /v1.0). */
  baseUrl: string;
  /** Explicit RU/min, else the licence band's (default band 0-1000 = 1,250 RU/min). */
  ruPerMinute?: number;
  licenceBand: (typeof GRAPH_LICENCE_BANDS)[number];
  /** A PEM file of an extra CA to trust (TLS-intercepting proxy, the local fake tenant). */
  extraCaFile?: string;
}

function credentialOf(secret: string | undefined, keyFile: string | undefined, thumbprint: string | undefined, pem: string | undefined): GraphCredentialConfig {
  if (secret) return { kind: 'secret', secret };
  if (pem) return { kind: 'certificate-pem', certificate: parseCertificatePem(pem) };
  return { kind: 'certificate', keyFile: keyFile!, thumbprintSha256: thumbprint!.replace(/:/g, '').toLowerCase() };
}

export interface Config {
  mode: 'production' | 'local';
  host: string;
  port: number;
  logLevel: RawConfig['LOG_LEVEL'];
  bot: {
    appId: string; // '' in local mode
    password?: string;
    type: RawConfig['BOT_TYPE'];
    tenantId?: string;
    openIdMetadataUrl?: string;
  };
  allowedTenantIds: string[];
  /** `ownerUrl`: the schema owner, used only to migrate and grant the app's role (DATABASE_URL). */
  store: { databaseUrl?: string; ownerUrl?: string; dataDir: string };
  bootstrap: {
    tenantId?: string;
    schoolName: string;
    timeZone: string;
    adminAadIds: string[];
    headteacherAadId?: string;
    chairAadId?: string;
    dpoAadId?: string;
    itManagerAadId?: string;
    onlineSafetyLeadAadId?: string;
  };
  encryption: { keys?: string; activeKeyId?: string };
  outbox: { pollMs: number; alertAfterAttempts: number; maxBackoffSeconds: number; minBackoffMs: number; leaseSeconds: number; concurrency: number };
  /** /readyz fails when the oldest undelivered outbox message is older than this. */
  readyMaxOutboxLagSeconds: number;
  /** /metrics: open in local mode; in production only with this bearer token (else 404). */
  metricsToken?: string;
  /**
   * Defaults for the retention job (a tenant may override them in `retention_policies`).
   * Concerns: kept until the pupil's 25th birthday; with no date of birth in Jigsaw yet, the
   * concern's date + `concernYears` (25 covers a pupil of any age at the time).
   */
  retention: { concernYears: number; aupYears: number; auditFindingsDays: number };
  triage: {
    /** How long the stored DSL roster is trusted before Teams is asked again. */
    rosterTtlSeconds: number;
    escalationFirstMinutes: number;
    escalationSecondMinutes: number;
    patternThreshold: number;
    patternWindowDays: number;
    /** How often the scheduler runs escalation timers and the pattern scan. */
    schedulerPollMs: number;
  };
  /** The governors' anonymised report: smaller non-zero counts are not shown. */
  reports: { governorMinCount: number };
  /** Microsoft Graph for the sharing audit; undefined when GRAPH_CLIENT_ID is not set. */
  graph?: GraphConfig;
  audit: {
    includeSites: boolean;
    /** A roster CSV exported from the MIS; when absent, pupils come from /education/users. */
    rosterCsv?: string;
    /** Overrides the verified domains read from /organization (Organization.Read.All). */
    verifiedDomains?: string[];
    /** Read exposed files' first 64 KB only when their names give no evidence (default), or always. */
    contentEvidence: 'when-needed' | 'always';
    /** The app's own daily audit: school-local "HH:MM", or undefined (off). */
    scheduleAt?: string;
  };
  /** Link removal through a second, write-capable app registration (Files.ReadWrite.All). */
  remediation: { enabled: false } | { enabled: true; clientId: string; credential: GraphCredentialConfig };
  aup: {
    sendsPerSecond: number;
    perConversationPerSecond: number;
    senderConcurrency: number;
    maxSendAttempts: number;
    validityMonths: number;
    reminderDays: number[];
    deadlineDays: number;
    schedulerIntervalSeconds: number;
    /** Teams app catalog id, to install the app for people who have not (Graph teamwork/installedApps). */
    teamsAppId?: string;
    /** Entra groups per audience (audience id → group ids). */
    audienceGroups: Record<string, string[]>;
  };
  tab: {
    /** Accepted `aud` values: the API identifier api://{domain}/{clientId} and/or the client id. Empty = tab API closed. */
    audiences: string[];
    /** Where a tenant's signing keys are; `{tid}` is replaced by the token's tenant id. */
    jwksUrlTemplate: string;
    /** The expected `iss`; `{tid}` is replaced by the token's tenant id. */
    issuerTemplate: string;
    /** Outside production only: the page may take a token from its #token= fragment (browser tests). */
    devTokens: boolean;
  };
}

const AUP_AUDIENCE_IDS = ['staff', 'governors', 'volunteers', 'pupils-ks1', 'pupils-ks2', 'pupils-ks3', 'pupils-ks4', 'pupils-ks5', 'parents'];

/** "staff:g1|g2,governors:g3" → { staff: [g1, g2], governors: [g3] }; undefined when malformed. */
function parseAudienceGroups(value: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9-]+)\s*:\s*(.+)$/.exec(entry);
    if (!m || !AUP_AUDIENCE_IDS.includes(m[1]!)) return undefined;
    const ids = m[2]!.split('|').map((s) => s.trim()).filter(Boolean);
    if (!ids.length || !ids.every((id) => guidLike.test(id))) return undefined;
    out[m[1]!] = [...(out[m[1]!] ?? []), ...ids];
  }
  return out;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Jigsaw cannot start: fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // App Service leaves a Key Vault reference it could not resolve as its literal text; say so
  // instead of reporting it as a malformed value.
  const unresolved = Object.keys(ConfigSchema.shape).filter((key) => env[key]?.trim().startsWith('@Microsoft.KeyVault('));
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success || unresolved.length > 0) {
    const issues = (parsed.success ? [] : parsed.error.issues).filter((issue) => !unresolved.includes(String(issue.path[0])));
    throw new ConfigError([
      ...unresolved.map((key) => `${key} is a Key Vault reference App Service could not resolve: the secret or certificate is missing, or the app's identity may not read it (Web App → Environment variables shows the reason)`),
      ...issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`),
    ]);
  }
  const e = parsed.data;
  const config: Config = {
    mode: e.BOT_ID ? 'production' : 'local',
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    bot: { appId: e.BOT_ID ?? '', password: e.BOT_PASSWORD, type: e.BOT_TYPE, tenantId: e.BOT_TENANT_ID, openIdMetadataUrl: e.BOT_OPENID_METADATA_URL },
    allowedTenantIds: e.ALLOWED_TENANT_IDS,
    store: { databaseUrl: e.DATABASE_URL, ownerUrl: e.DATABASE_OWNER_URL, dataDir: e.DATA_DIR },
    bootstrap: {
      tenantId: e.BOOTSTRAP_TENANT_ID,
      schoolName: e.SCHOOL_NAME,
      timeZone: e.SCHOOL_TIMEZONE,
      adminAadIds: e.ADMIN_AAD_IDS,
      headteacherAadId: e.HEADTEACHER_AAD_ID,
      chairAadId: e.CHAIR_AAD_ID,
      dpoAadId: e.DPO_AAD_ID,
      itManagerAadId: e.IT_MANAGER_AAD_ID,
      onlineSafetyLeadAadId: e.ONLINE_SAFETY_LEAD_AAD_ID,
    },
    encryption: { keys: e.ENCRYPTION_KEYS, activeKeyId: e.ENCRYPTION_ACTIVE_KEY_ID },
    outbox: { pollMs: e.OUTBOX_POLL_MS, alertAfterAttempts: e.OUTBOX_ALERT_AFTER_ATTEMPTS, maxBackoffSeconds: e.OUTBOX_MAX_BACKOFF_SECONDS, minBackoffMs: e.OUTBOX_MIN_BACKOFF_MS, leaseSeconds: e.OUTBOX_LEASE_SECONDS, concurrency: e.OUTBOX_CONCURRENCY },
    readyMaxOutboxLagSeconds: e.READY_MAX_OUTBOX_LAG_SECONDS,
    metricsToken: e.METRICS_TOKEN,
    retention: { concernYears: e.RETENTION_CONCERN_YEARS, aupYears: e.RETENTION_AUP_YEARS, auditFindingsDays: e.RETENTION_AUDIT_FINDINGS_DAYS },
    triage: {
      rosterTtlSeconds: e.DSL_ROSTER_TTL_SECONDS,
      escalationFirstMinutes: e.ESCALATION_FIRST_MINUTES,
      escalationSecondMinutes: e.ESCALATION_SECOND_MINUTES,
      patternThreshold: e.PATTERN_THRESHOLD,
      patternWindowDays: e.PATTERN_WINDOW_DAYS,
      schedulerPollMs: e.SCHEDULER_POLL_MS,
    },
    reports: { governorMinCount: e.GOVERNOR_REPORT_MIN_COUNT },
    graph: e.GRAPH_CLIENT_ID
      ? {
          tenantId: (e.GRAPH_TENANT_ID ?? e.BOOTSTRAP_TENANT_ID)!,
          clientId: e.GRAPH_CLIENT_ID,
          credential: credentialOf(e.GRAPH_CLIENT_SECRET, e.GRAPH_CERT_KEY_FILE, e.GRAPH_CERT_THUMBPRINT_SHA256, e.GRAPH_CERT_PEM),
          authorityHost: (e.AUTHORITY_HOST ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''),
          baseUrl: (e.GRAPH_BASE_URL ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '').replace(/\/v1\.0$/, ''),
          ruPerMinute: e.GRAPH_RU_PER_MINUTE,
          licenceBand: e.GRAPH_LICENCE_BAND ?? '0-1000',
          extraCaFile: e.GRAPH_EXTRA_CA_FILE,
        }
      : undefined,
    audit: { includeSites: e.AUDIT_INCLUDE_SITES, rosterCsv: e.AUDIT_ROSTER_CSV, verifiedDomains: e.AUDIT_VERIFIED_DOMAINS, contentEvidence: e.AUDIT_CONTENT_EVIDENCE, scheduleAt: e.AUDIT_SCHEDULE === 'off' ? undefined : e.AUDIT_SCHEDULE },
    remediation:
      e.REMEDIATION_ENABLED && e.GRAPH_REMEDIATION_CLIENT_ID
        ? { enabled: true as const, clientId: e.GRAPH_REMEDIATION_CLIENT_ID, credential: credentialOf(e.GRAPH_REMEDIATION_CLIENT_SECRET, e.GRAPH_REMEDIATION_CERT_KEY_FILE, e.GRAPH_REMEDIATION_CERT_THUMBPRINT_SHA256, e.GRAPH_REMEDIATION_CERT_PEM) }
        : { enabled: false as const },
    aup: {
      sendsPerSecond: e.AUP_SENDS_PER_SECOND,
      perConversationPerSecond: e.AUP_PER_CONVERSATION_PER_SECOND,
      senderConcurrency: e.AUP_SENDER_CONCURRENCY,
      maxSendAttempts: e.AUP_MAX_SEND_ATTEMPTS,
      validityMonths: e.AUP_VALIDITY_MONTHS,
      reminderDays: e.AUP_REMINDER_DAYS,
      deadlineDays: e.AUP_DEADLINE_DAYS,
      schedulerIntervalSeconds: e.AUP_SCHEDULER_INTERVAL_SECONDS,
      teamsAppId: e.AUP_TEAMS_APP_ID,
      audienceGroups: e.AUP_AUDIENCE_GROUPS ?? {},
    },
    tab: { audiences: e.TAB_AUDIENCE, jwksUrlTemplate: e.TAB_JWKS_URL, issuerTemplate: e.TAB_ISSUER, devTokens: e.TAB_DEV_TOKENS && !e.BOT_ID },
  };
  return Object.freeze(config);
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A summary safe to log: secrets are reported as present or absent, never shown. */
export function summarizeConfig(config: Config): Record<string, unknown> {
  return {
    mode: config.mode,
    host: config.host,
    port: config.port,
    store: config.store.databaseUrl ? 'postgres' : 'pglite',
    botType: config.bot.type,
    botPassword: config.bot.password ? 'set' : 'unset',
    encryptionKeys: config.encryption.keys ? 'set' : 'unset',
    metricsToken: config.metricsToken ? 'set' : 'unset',
    allowedTenants: config.allowedTenantIds.length,
    graph: config.graph
      ? {
          authorityHost: config.graph.authorityHost,
          baseUrl: config.graph.baseUrl,
          credential: config.graph.credential.kind,
          ...(config.graph.credential.kind === 'certificate-pem' ? { certificateExpires: config.graph.credential.certificate.notAfter.toISOString() } : {}),
        }
      : 'unset',
    remediation: config.remediation.enabled ? 'enabled' : 'disabled',
    tab: config.tab.audiences.length ? { audiences: config.tab.audiences.length, devTokens: config.tab.devTokens } : 'closed',
  };
}

const CERTIFICATE_WARNING_DAYS = 30;

/**
 * Warnings worth logging at start-up: a Graph certificate given as PEM that has expired or soon
 * will (Entra would then refuse every token and the nightly audit would fail). Not a start-up
 * error: reporting concerns must keep working while IT renews the certificate.
 */
export function credentialWarnings(config: Config, now: Date): string[] {
  const apps: [string, GraphCredentialConfig | undefined][] = [
    ['GRAPH_CERT_PEM', config.graph?.credential],
    ['GRAPH_REMEDIATION_CERT_PEM', config.remediation.enabled ? config.remediation.credential : undefined],
  ];
  const warnings: string[] = [];
  for (const [setting, credential] of apps) {
    if (credential?.kind !== 'certificate-pem') continue;
    const expires = credential.certificate.notAfter;
    const days = Math.floor((expires.getTime() - now.getTime()) / 86_400_000);
    if (expires <= now) warnings.push(`${setting}: the certificate expired on ${expires.toISOString().slice(0, 10)}; Microsoft Graph will refuse it until it is renewed in Key Vault`);
    else if (days < CERTIFICATE_WARNING_DAYS) warnings.push(`${setting}: the certificate expires on ${expires.toISOString().slice(0, 10)} (in ${days} days); renew it in Key Vault`);
  }
  return warnings;
}
