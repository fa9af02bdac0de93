import { z } from 'zod';

/**
 * Every setting Jigsaw reads, in one schema. `loadConfig` is called once by the composition
 * root; nothing else reads process.env. A wrong or missing value stops start-up with a
 * message naming each setting at fault. The README's configuration table mirrors this file.
 */
const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const guidLike = /^[0-9a-zA-Z-]{8,64}$/;
const aadId = optionalText.refine((v) => v === undefined || guidLike.test(v), 'must be an Entra object id');

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
    ALLOWED_TENANT_IDS: csv,

    DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
    DATA_DIR: z.string().default('./data'),

    BOOTSTRAP_TENANT_ID: optionalText,
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
    ADMIN_AAD_IDS: csv.refine((ids) => ids.every((id) => guidLike.test(id)), 'must be a comma-separated list of Entra object ids'),
    HEADTEACHER_AAD_ID: aadId,
    CHAIR_AAD_ID: aadId,
    DPO_AAD_ID: aadId,
    IT_MANAGER_AAD_ID: aadId,
    ONLINE_SAFETY_LEAD_AAD_ID: aadId,

    ENCRYPTION_KEYS: optionalText,
    ENCRYPTION_ACTIVE_KEY_ID: optionalText,

    OUTBOX_POLL_MS: int(500, 10, 60_000),
    OUTBOX_ALERT_AFTER_ATTEMPTS: int(5, 1, 1000),
    OUTBOX_MAX_BACKOFF_SECONDS: int(300, 1, 86_400),
    OUTBOX_MIN_BACKOFF_MS: int(1000, 1, 600_000),
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
    if (env.ENCRYPTION_KEYS && !/^([A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$/.test(env.ENCRYPTION_KEYS)) {
      ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'must be "keyId:base64(32 bytes)" entries separated by commas' });
    }
  });

export type RawConfig = z.infer<typeof ConfigSchema>;

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
  store: { databaseUrl?: string; dataDir: string };
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
  outbox: { pollMs: number; alertAfterAttempts: number; maxBackoffSeconds: number; minBackoffMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Jigsaw cannot start: fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    mode: e.BOT_ID ? 'production' : 'local',
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    bot: { appId: e.BOT_ID ?? '', password: e.BOT_PASSWORD, type: e.BOT_TYPE, tenantId: e.BOT_TENANT_ID, openIdMetadataUrl: e.BOT_OPENID_METADATA_URL },
    allowedTenantIds: e.ALLOWED_TENANT_IDS,
    store: { databaseUrl: e.DATABASE_URL, dataDir: e.DATA_DIR },
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
    outbox: { pollMs: e.OUTBOX_POLL_MS, alertAfterAttempts: e.OUTBOX_ALERT_AFTER_ATTEMPTS, maxBackoffSeconds: e.OUTBOX_MAX_BACKOFF_SECONDS, minBackoffMs: e.OUTBOX_MIN_BACKOFF_MS },
  });
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
    allowedTenants: config.allowedTenantIds.length,
  };
}
