import { z } from 'zod';
import type { Db } from '../store/db';
import type { Logger } from '../logging';
import { describeError } from '../logging';
import type { TabTokenValidator } from './tab-auth';
import { resolveTabUser, type TabUser } from '../services/tab-identity';
import { applyTabAction, getConcernDetail, getPupilChronology, listMyReports, listPrivateConcerns, listQueue, TabRefusal, type TabConcernDeps } from '../services/tab-concerns';
import { acceptFinding, changeRole, removeFindingLink, getAccessLog, getAdminSettings, getAupRegister, getSharingAudit, notifyRunOwners, publishAup, retryAupCards, type TabAdminDeps } from '../services/tab-admin';
import { buildGovernorReport } from '../services/tab-reports';
import { getTenant } from '../store/tenant.repo';
import { confirmReceipt, exportPupilFile, listPupilTransfers } from '../services/tab-transfers';
import { getAupStatusForPerson } from '../services/aup-register';
import { getRecordsRetention } from '../services/tab-records';
import type { TabView } from '../domain/people/tab-access';
import { CATEGORY_IDS } from '../domain/concerns/categories';

/** A tab API request with no framework types (server.ts adapts restify to this). */
export interface TabHttpRequest {
  method: string;
  /** The path after /api/tab/, e.g. "concerns/…/actions". */
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  authorization?: string;
}

export interface TabHttpResponse {
  status: number;
  /** JSON, or a Buffer sent as it is (a PDF) with the content type in `headers`. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface TabApiDeps extends TabConcernDeps, TabAdminDeps {
  db: Db;
  validator: TabTokenValidator;
  logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['new', 'acknowledged', 'in-progress', 'closed'] as const;
const one = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().trim().max(200).optional().transform((v) => (v ? v : undefined)));

/** Queue filters, parsed at the edge; anything unknown is an error, not silently ignored. */
export const QueueQuerySchema = z.object({
  status: one.pipe(z.string().regex(/^(new|acknowledged|in-progress|closed|open)(,(new|acknowledged|in-progress|closed|open))*$/).optional()),
  urgency: one.pipe(z.enum(['urgent', 'standard']).optional()),
  category: one.pipe(z.enum(CATEGORY_IDS).optional()),
  fourC: one.pipe(z.enum(['content', 'contact', 'conduct', 'commerce', 'technical', 'data', 'adult']).optional()),
  owner: one.pipe(z.string().regex(/^(none|left|[0-9a-f-]{36})$/i).optional()),
  pupil: one,
  q: one,
});
export type QueueQueryReq = z.infer<typeof QueueQuerySchema>;

/**
 * An answer's length is not capped here: the request's body limit bounds it, and the triage
 * parser says next to the field how long it may be ("Keep this under 2000 characters"), where a
 * cap here would refuse a long paste with nothing to say which answer to shorten.
 */
export const ActionBodySchema = z.object({
  kind: z.string().max(40),
  actionId: z.string().regex(UUID).optional(),
  values: z.record(z.string(), z.union([z.string(), z.boolean(), z.null()])).default({}),
});

export const SharingQuerySchema = z.object({
  status: one.pipe(z.enum(['open', 'remediated', 'accepted', 'resolved']).optional()),
  severity: one.pipe(z.enum(['critical', 'high', 'medium', 'low']).optional()),
  scope: one.pipe(z.enum(['anonymous', 'organization', 'external']).optional()),
  pupilData: one.pipe(z.enum(['yes', 'no']).optional()),
});

export const RoleChangeBodySchema = z.object({ action: z.enum(['assign', 'remove']), role: z.string().max(40), aadObjectId: z.string().regex(UUID) });

export const TransferBodySchema = z.object({ destinationSchool: z.string().max(500) });
export const ReceiptBodySchema = z.object({ note: z.string().max(1000).optional() });

/** A binary answer (the transfer PDF). */
class FileResult {
  constructor(
    readonly body: Buffer,
    readonly headers: Record<string, string>,
  ) {}
}

/** What an admin types is not capped here (the body limit bounds it): `validateDraft` says what is too long and what to do. */
export const PublishAupBodySchema = z.object({
  audience: z.string().max(40),
  title: z.string(),
  effectiveOn: z.string().max(20),
  linkUrl: z.string().optional(),
  summary: z.string().optional(),
  changeSummary: z.string().optional(),
  body: z.string().optional(),
});

export const RetryAupBodySchema = z.object({
  versionId: z.string().regex(/^[0-9a-fA-F-]{36}$/),
  which: z.enum(['failed', 'uncertain']),
  personId: z.string().max(100).optional(),
});

/** The reason's length is checked by `acceptFinding`, which says so next to the field. */
export const AcceptBodySchema = z.object({ reason: z.string() });

/** Every API answer: never cached (it is personal), and never read by a browser as anything but what it says it is. */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache', 'x-content-type-options': 'nosniff' };

/**
 * The tab's JSON API: every call validates the bearer token first (identity = the token's
 * tid/oid), resolves roles from the store, then answers only what those roles allow, inside
 * the token's tenant. Errors map to statuses here, in one place; no stack or SQL reaches the wire.
 */
export class TabApi {
  constructor(private readonly deps: TabApiDeps) {}

  async handle(req: TabHttpRequest): Promise<TabHttpResponse> {
    try {
      const auth = await this.deps.validator.validate(req.authorization);
      if (!auth.ok) {
        return { status: 401, body: { error: auth.error }, headers: { ...NO_STORE, 'www-authenticate': 'Bearer error="invalid_token"' } };
      }
      const user = await resolveTabUser(this.deps.db, auth.identity);
      const result = await this.route(req, user);
      if (result instanceof FileResult) return { status: 200, body: result.body, headers: { ...NO_STORE, ...result.headers } };
      return { status: 200, body: result, headers: NO_STORE };
    } catch (err) {
      if (err instanceof TabRefusal) return { status: err.status, body: { error: err.code, message: err.message, ...err.details }, headers: NO_STORE };
      if (err instanceof z.ZodError) return { status: 400, body: { error: 'invalid_request', message: 'The request could not be read.' }, headers: NO_STORE };
      this.deps.logger.error(describeError(err), 'tab API failed');
      return { status: 500, body: { error: 'internal_error' }, headers: NO_STORE };
    }
  }

  private async route(req: TabHttpRequest, user: TabUser): Promise<unknown> {
    const parts = req.path.split('/').filter(Boolean);
    const get = req.method === 'GET';
    const need = (view: TabView) => {
      if (!user.views.includes(view)) throw new TabRefusal(403, 'forbidden', 'Your role does not include this view.');
    };
    const d = this.deps;
    const [a, b, c, e, f] = parts;
    if (get && a === 'me' && parts.length === 1) {
      return { name: user.name, roles: [...user.roles], views: user.views };
    }
    if (a === 'concerns') {
      if (get && parts.length === 1) {
        const q = QueueQuerySchema.parse(req.query);
        const statuses = q.status?.split(',').flatMap((s) => (s === 'open' ? (['new', 'acknowledged', 'in-progress'] as const) : [s as (typeof STATUSES)[number]]));
        return listQueue(d, user, { statuses, urgency: q.urgency, category: q.category, fourC: q.fourC, owner: q.owner?.toLowerCase(), pupil: q.pupil, q: q.q });
      }
      if (!b || !UUID.test(b)) throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
      if (get && parts.length === 2) return getConcernDetail(d, user, b.toLowerCase());
      if (!get && req.method === 'POST' && c === 'actions' && parts.length === 3) return applyTabAction(d, user, b.toLowerCase(), ActionBodySchema.parse(req.body ?? {}));
      if (get && c === 'pupils' && e && /^\d{1,3}$/.test(e) && f === 'chronology' && parts.length === 5) return getPupilChronology(d, user, b.toLowerCase(), Number(e));
      if (c === 'pupils' && e && /^\d{1,3}$/.test(e) && f === 'transfers' && parts.length === 5) {
        if (get) return listPupilTransfers(d, user, b.toLowerCase(), Number(e));
        if (req.method === 'POST') {
          const { destinationSchool } = TransferBodySchema.parse(req.body ?? {});
          const file = await exportPupilFile(d, user, b.toLowerCase(), Number(e), destinationSchool);
          return new FileResult(file.pdf, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${file.fileName}"`, 'x-transfer-id': file.transferId });
        }
      }
    }
    if (req.method === 'POST' && a === 'transfers' && b && UUID.test(b) && c === 'receipt' && parts.length === 3) {
      return confirmReceipt(d, user, b.toLowerCase(), ReceiptBodySchema.parse(req.body ?? {}).note ?? '');
    }
    if (get && parts.length === 1) {
      switch (a) {
        case 'private-concerns':
          need('private-concerns');
          return listPrivateConcerns(d, user);
        case 'my-reports': {
          const reports = await listMyReports(d, user);
          const aups = await getAupStatusForPerson({ db: d.db, now: d.now, rules: { validityMonths: d.config.aup.validityMonths } }, user.tenantId, user.aadObjectId).catch(() => []);
          return { ...reports, aups: aups.map((x) => ({ title: x.title, versionNumber: x.versionNumber, status: x.status, acknowledgedAt: x.acknowledgedAt?.toISOString(), expiresAt: x.expiresAt?.toISOString() })) };
        }
        case 'access-log':
          need('access-log');
          return getAccessLog(d, user);
        case 'records':
          need('records');
          return getRecordsRetention(d, user);
      }
    }
    if (get && a === 'governors' && b === 'report' && parts.length === 2) {
      need('governors');
      const timeZone = (await getTenant(d.db, user.tenantId))?.timeZone;
      return buildGovernorReport({ db: d.db, tabConcerns: d.tabConcerns, now: d.now, aupValidityMonths: d.config.aup.validityMonths, minCount: d.config.reports.governorMinCount, timeZone }, user.tenantId);
    }
    if (get && a === 'admin' && parts.length === 2) {
      if (b === 'settings') return getAdminSettings(d, user);
      if (b === 'aup') return getAupRegister(d, user);
      if (b === 'sharing') {
        const q = SharingQuerySchema.parse(req.query);
        return getSharingAudit(d, user, { status: q.status, severity: q.severity, scope: q.scope, pupilData: q.pupilData === undefined ? undefined : q.pupilData === 'yes' });
      }
    }
    if (req.method === 'POST' && a === 'admin' && b === 'roles' && parts.length === 2) return changeRole(d, user, RoleChangeBodySchema.parse(req.body ?? {}));
    if (req.method === 'POST' && a === 'admin' && b === 'aup' && c === 'publish' && parts.length === 3) return publishAup(d, user, PublishAupBodySchema.parse(req.body ?? {}));
    if (req.method === 'POST' && a === 'admin' && b === 'aup' && c === 'retry' && parts.length === 3) return retryAupCards(d, user, RetryAupBodySchema.parse(req.body ?? {}));
    if (req.method === 'POST' && a === 'admin' && b === 'sharing' && parts.length === 5 && f) {
      if (c === 'findings' && f === 'accept' && /^[A-Za-z0-9_-]{1,128}$/.test(e ?? '')) return acceptFinding(d, user, e!, AcceptBodySchema.parse(req.body ?? {}).reason);
      if (c === 'findings' && f === 'remove-link' && /^[A-Za-z0-9_-]{1,128}$/.test(e ?? '')) return removeFindingLink(d, user, e!);
      if (c === 'runs' && f === 'notify' && UUID.test(e ?? '')) return notifyRunOwners(d, user, e!);
    }
    throw new TabRefusal(404, 'not_found', 'No such tab API.');
  }
}
