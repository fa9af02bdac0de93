// A local fake of the Teams Bot Framework connector service (the REST API a bot calls at
// activity.serviceUrl), so botbuilder's own CloudAdapter / ConnectorClient / TeamsInfo code
// runs unmodified in tests and benchmarks. See README.md for the API and the behaviours it models.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ADAPTIVE_CARD,
  FakeConversation,
  FakeTeamsState,
  FakeTeamInit,
  FakeUserInit,
  RecordedOperation,
  StoredMessage,
  memberJson,
  splitConversationId,
} from './fake-state';
import { RateCategory, RateLimitConfig, TeamsRateLimiter, defaultRateLimits } from './rate-limiter';

export interface TeamsConnectorFakeOptions {
  /** Tenant of users/teams that do not name one. */
  tenantId?: string;
  /** The bot's channel account id (28:<appId>). */
  botId?: string;
  users?: FakeUserInit[];
  teams?: FakeTeamInit[];
  /** false disables; a partial object overrides the Teams defaults. */
  rateLimits?: false | Partial<RateLimitConfig>;
  /** Require `Authorization: Bearer ...` (any value, or exactly this token when a string). */
  requireBearer?: boolean | string;
  /** Teams treats pageSize < 50 as 50 and caps it at 500; tests may lower `min` to page small rosters. */
  pageSize?: { min?: number; max?: number; default?: number };
  /** Teams rejects oversized messages (about 28 KB) with 413; set to 0 to disable. */
  maxActivityBytes?: number;
  /** Latency added to every response. */
  latencyMs?: LatencySpec;
  /** Clock for the rate limiter and timestamps (tests can fake time). */
  now?: () => number;
}

export type LatencySpec = number | { min: number; max: number } | null;

/** What the fake learned about a request, for predicates and the request log. */
export interface FakeRequestInfo {
  method: string;
  path: string;
  /** Operation name, e.g. 'sendToConversation', 'updateActivity', 'getConversationPagedMembers'. */
  operation: string;
  conversationId?: string;
  activityId?: string;
  body?: unknown;
  authorization?: string;
}

export interface RequestLogEntry extends FakeRequestInfo {
  seq: number;
  at: Date;
  status: number;
  /** Why the status: 'ok', 'rate-limited', 'injected', 'accepted-then-failed', 'down', 'unauthorized', 'error'. */
  outcome: string;
  retryAfterSeconds?: number;
  /** For 429s: which limit refused it. */
  limit?: string;
}

export interface FailOptions {
  retryAfterSeconds?: number;
  /** Error body code/message; defaults follow the status. */
  code?: string;
  message?: string;
  /** Only requests matching this count/fail. */
  match?: (req: FakeRequestInfo) => boolean;
}

export type DownMode = 'refuse' | 'reset' | '503';

/** A request whose response the fake is holding back. */
export interface HeldRequest {
  info: FakeRequestInfo;
  /** Whether the write was already applied (hold mode 'after-apply'). */
  applied: boolean;
  release(): void;
  /** Destroy the client's socket without answering (the client sees ECONNRESET). */
  destroy(): void;
}

export interface HoldController {
  readonly held: HeldRequest[];
  /** Resolves when at least `count` requests are being held. */
  waitForHeld(count?: number): Promise<HeldRequest[]>;
  releaseAll(): void;
  destroyAll(): void;
  /** Stop holding new requests (held ones stay held until released). */
  stop(): void;
}

export interface FakeCounters {
  total: number;
  byStatus: Record<number, number>;
  throttled: number;
  byConversation: Record<string, { requests: number; writes: number; throttled: number }>;
}

export interface TeamsConnectorFake {
  /** http://127.0.0.1:<port> — use as activity.serviceUrl / conversationReference.serviceUrl. */
  readonly serviceUrl: string;
  readonly port: number;
  readonly state: FakeTeamsState;
  stop(): Promise<void>;

  // Queries over what the bot posted.
  allSent(): RecordedOperation[];
  activitiesIn(conversationId: string): StoredMessage[];
  findByText(text: string | RegExp): StoredMessage[];
  lastCardIn(conversationId: string): Record<string, unknown> | undefined;
  personalConversationId(userRef: string): string;

  // Observability.
  readonly requests: RequestLogEntry[];
  counters(): FakeCounters;
  /** Clear activities, operations, request log and rate-limit windows (state/users/teams stay). */
  reset(): void;

  // Rate limits.
  setRateLimits(config: false | Partial<RateLimitConfig>): void;
  resetRateLimits(): void;

  // Fault injection.
  failNext(count: number, status: number, options?: FailOptions): void;
  failWhile(condition: ((req: FakeRequestInfo) => boolean) | { until: Date | number }, status: number, options?: FailOptions): () => void;
  /** Apply the next `count` writes, then answer `status` (default 500): "sent, but the bot didn't hear back". */
  acceptThenFail(count: number, status?: number, match?: (req: FakeRequestInfo) => boolean): void;
  down(mode?: DownMode): Promise<void>;
  up(): Promise<void>;
  setLatency(latency: LatencySpec): void;
  hold(options?: { match?: (req: FakeRequestInfo) => boolean; when?: 'before-apply' | 'after-apply' }): HoldController;
  clearFaults(): void;
}

interface Rule {
  remaining: number; // Infinity for failWhile
  status: number;
  options: FailOptions;
  active: (req: FakeRequestInfo, now: number) => boolean;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DEFAULT_MESSAGES: Record<number, [string, string]> = {
  400: ['BadArgument', 'Bad request.'],
  401: ['Unauthorized', 'Authorization has been denied for this request.'],
  403: ['Forbidden', 'Forbidden.'],
  404: ['NotFound', 'Not found.'],
  412: ['PreconditionFailed', 'Precondition failed.'],
  413: ['MessageSizeTooBig', 'Message size too big.'],
  429: ['TooManyRequests', 'Too many requests.'],
  500: ['InternalServerError', 'Internal server error.'],
  502: ['BadGateway', 'Bad gateway.'],
  503: ['ServiceUnavailable', 'Service unavailable.'],
  504: ['GatewayTimeout', 'Gateway timeout.'],
};

function failure(status: number, options: FailOptions = {}): HttpFailure {
  const [code, message] = DEFAULT_MESSAGES[status] ?? ['Error', `HTTP ${status}`];
  const headers: Record<string, string> = {};
  if (options.retryAfterSeconds !== undefined) headers['Retry-After'] = String(options.retryAfterSeconds);
  return new HttpFailure(status, options.code ?? code, options.message ?? message, headers);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function createTeamsConnectorFake(options: TeamsConnectorFakeOptions = {}): Promise<TeamsConnectorFake> {
  const now = options.now ?? Date.now;
  const state = new FakeTeamsState(options.tenantId ?? '00000000-0000-4000-8000-00000000a11d', options.botId ?? '28:00000000-0000-4000-8000-00000000b07d');
  for (const u of options.users ?? []) state.addUser(u);
  for (const t of options.teams ?? []) state.addTeam(t);

  const limiter = new TeamsRateLimiter(mergeLimits(options.rateLimits));
  const pageMin = options.pageSize?.min ?? 50;
  const pageMax = options.pageSize?.max ?? 500;
  const pageDefault = options.pageSize?.default ?? 200;
  const maxActivityBytes = options.maxActivityBytes ?? 28 * 1024;
  let latency: LatencySpec = options.latencyMs ?? null;

  const requests: RequestLogEntry[] = [];
  let requestSeq = 0;
  let rules: Rule[] = [];
  let acceptThenFailRules: { remaining: number; status: number; match?: (r: FakeRequestInfo) => boolean }[] = [];
  let downMode: DownMode | null = null;
  interface HoldEntry {
    match?: (r: FakeRequestInfo) => boolean;
    when: 'before-apply' | 'after-apply';
    controller: HoldControllerImpl;
    active: boolean;
  }
  const holds: HoldEntry[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: String(err) } });
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (socket: Socket) => {
    // 'refuse' and 'reset' must also cut keep-alive connections the client already holds.
    if (downMode === 'refuse' || downMode === 'reset') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let port = 0;
  await listen(0);
  port = (server.address() as AddressInfo).port;
  const serviceUrl = `http://127.0.0.1:${port}`;

  function listen(p: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // Loopback only: this fake accepts unauthenticated writes.
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  function logRequest(info: FakeRequestInfo, status: number, outcome: string, extra: Partial<RequestLogEntry> = {}): void {
    requests.push({ ...info, seq: ++requestSeq, at: new Date(now()), status, outcome, ...extra });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', serviceUrl);
    const authorization = req.headers.authorization;
    const info: FakeRequestInfo = { method: req.method ?? 'GET', path: url.pathname, operation: 'unknown', authorization };
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    info.body = body;
    const route = matchRoute(info.method, url.pathname);
    if (route) {
      info.operation = route.operation;
      info.conversationId = route.conversationId;
      info.activityId = route.activityId;
    }

    if (downMode === 'reset') {
      logRequest(info, 0, 'down');
      req.socket.destroy();
      return;
    }
    if (downMode === '503') {
      logRequest(info, 503, 'down');
      return sendError(res, failure(503));
    }

    const delay = latencyMs(latency);
    if (delay > 0) await sleep(delay);

    if (options.requireBearer) {
      const m = /^Bearer (.+)$/i.exec(authorization ?? '');
      if (!m || (typeof options.requireBearer === 'string' && m[1] !== options.requireBearer)) {
        logRequest(info, 401, 'unauthorized');
        // Teams answers 401 with this ASP.NET-style body.
        return sendJson(res, 401, { message: 'Authorization has been denied for this request.' });
      }
    }

    const t = now();
    const rule = rules.find((r) => r.remaining > 0 && r.active(info, t) && (!r.options.match || r.options.match(info)));
    if (rule) {
      rule.remaining -= 1;
      const f = failure(rule.status, rule.options);
      logRequest(info, f.status, 'injected', { retryAfterSeconds: rule.options.retryAfterSeconds });
      return sendError(res, f);
    }

    if (!route) {
      logRequest(info, 404, 'error');
      return sendError(res, new HttpFailure(404, 'NotFound', `No route for ${info.method} ${url.pathname}`));
    }

    try {
      // Rate limits apply per conversation (channel threads share their channel's budget) and per tenant.
      const conv = route.conversationId ? state.resolveConversation(route.conversationId) : undefined;
      const convKey = route.rateKey(body, conv);
      const tenantId = conv?.tenantId ?? tenantOfBody(body) ?? state.defaultTenantId;
      const decision = limiter.check(route.category, convKey, tenantId, t);
      if (!decision.allowed) {
        logRequest(info, 429, 'rate-limited', { retryAfterSeconds: decision.retryAfterSeconds, limit: decision.limit });
        const header = limiter.config.sendRetryAfter === false ? {} : { retryAfterSeconds: decision.retryAfterSeconds };
        return sendError(res, failure(429, header));
      }

      await holdIfAsked(info, 'before-apply', res);
      if (res.destroyed) return;

      if (route.isWrite && maxActivityBytes > 0 && raw.length > maxActivityBytes) {
        throw new HttpFailure(413, 'MessageSizeTooBig', 'Message size too big.');
      }
      const result = route.apply({ body, query: url.searchParams, authorization, conv });

      const atf = acceptThenFailRules.find((r) => r.remaining > 0 && route.isWrite && (!r.match || r.match(info)));
      if (atf) {
        atf.remaining -= 1;
        logRequest(info, atf.status, 'accepted-then-failed');
        await holdIfAsked(info, 'after-apply', res);
        if (res.destroyed) return;
        return sendError(res, failure(atf.status));
      }

      await holdIfAsked(info, 'after-apply', res);
      if (res.destroyed) return;
      logRequest(info, result.status, 'ok');
      if (result.body === undefined) {
        res.writeHead(result.status);
        res.end();
      } else {
        sendJson(res, result.status, result.body);
      }
    } catch (err) {
      if (err instanceof HttpFailure) {
        logRequest(info, err.status, 'error');
        return sendError(res, err);
      }
      throw err;
    }
  }

  async function holdIfAsked(info: FakeRequestInfo, when: 'before-apply' | 'after-apply', res: http.ServerResponse): Promise<void> {
    const h = holds.find((x) => x.active && x.when === when && (!x.match || x.match(info)));
    if (!h) return;
    await new Promise<void>((resolve) => {
      h.controller.add({
        info,
        applied: when === 'after-apply',
        release: resolve,
        destroy: () => {
          res.socket?.destroy();
          resolve();
        },
      });
    });
  }

  // ---- routes ----------------------------------------------------------------------------

  interface ApplyArgs {
    body: unknown;
    query: URLSearchParams;
    authorization?: string;
    conv?: FakeConversation;
  }
  interface Route {
    operation: string;
    category: RateCategory;
    isWrite: boolean;
    conversationId?: string;
    activityId?: string;
    rateKey(body: unknown, conv?: FakeConversation): string;
    apply(args: ApplyArgs): { status: number; body?: unknown };
  }

  function matchRoute(method: string, pathname: string): Route | undefined {
    // Ids are URL-encoded path segments (channel ids contain ':', '@', ';'); split before decoding.
    const seg = pathname.split('/').filter(Boolean).map(safeDecode);
    if (seg[0] !== 'v3') return undefined;
    if (seg[1] === 'conversations') {
      if (seg.length === 2 && method === 'POST') {
        return {
          operation: 'createConversation',
          category: 'create',
          isWrite: true,
          rateKey: (body) => createTargetKey(body),
          apply: ({ body, authorization }) => createConversation(body, authorization),
        };
      }
      const conversationId = seg[2];
      const base = (r: Omit<Route, 'conversationId' | 'rateKey'> & { rateKey?: Route['rateKey'] }): Route => ({
        conversationId,
        rateKey: (_b, conv) => splitConversationId(conv?.id ?? conversationId).base,
        ...r,
      });
      if (seg.length === 4 && seg[3] === 'activities' && method === 'POST') {
        return base({ operation: 'sendToConversation', category: 'send', isWrite: true, apply: (a) => send(conversationId, undefined, a) });
      }
      if (seg.length === 5 && seg[3] === 'activities') {
        const activityId = seg[4];
        if (method === 'POST') return base({ operation: 'replyToActivity', category: 'send', isWrite: true, activityId, apply: (a) => send(conversationId, activityId, a) });
        if (method === 'PUT') return base({ operation: 'updateActivity', category: 'send', isWrite: true, activityId, apply: (a) => update(conversationId, activityId, a) });
        if (method === 'DELETE') return base({ operation: 'deleteActivity', category: 'send', isWrite: true, activityId, apply: (a) => remove(conversationId, activityId, a) });
      }
      if (seg.length === 4 && seg[3] === 'pagedmembers' && method === 'GET') {
        return base({ operation: 'getConversationPagedMembers', category: 'members', isWrite: false, apply: (a) => pagedMembers(conversationId, a) });
      }
      if (seg.length === 4 && seg[3] === 'members' && method === 'GET') {
        return base({ operation: 'getConversationMembers', category: 'nonPagedMembers', isWrite: false, apply: (a) => ({ status: 200, body: requireConv(conversationId, a.conv) && state.membersOf(a.conv!).map(memberJson) }) });
      }
      if (seg.length === 5 && seg[3] === 'members' && method === 'GET') {
        const memberId = seg[4];
        return base({ operation: 'getConversationMember', category: 'members', isWrite: false, apply: (a) => member(conversationId, memberId, a) });
      }
      return undefined;
    }
    if (seg[1] === 'teams' && method === 'GET' && seg[2]) {
      const teamId = seg[2];
      if (seg.length === 3) return { operation: 'fetchTeamDetails', category: 'conversations', isWrite: false, conversationId: teamId, rateKey: () => teamId, apply: () => teamDetails(teamId) };
      if (seg.length === 4 && seg[3] === 'conversations') return { operation: 'fetchChannelList', category: 'conversations', isWrite: false, conversationId: teamId, rateKey: () => teamId, apply: () => channelList(teamId) };
    }
    return undefined;
  }

  function requireConv(id: string, conv: FakeConversation | undefined): true {
    if (!conv) throw new HttpFailure(404, 'ConversationNotFound', `Conversation not found: ${id}`);
    // After the user uninstalls the app the 1:1 chat still exists, but the bot may no longer post.
    if (conv.kind === 'personal' && conv.memberIds.some((m) => state.users.get(m)?.botInstalled === false)) {
      throw new HttpFailure(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
    }
    return true;
  }

  function createTargetKey(body: unknown): string {
    const p = (body ?? {}) as ConversationParameters;
    const channelId = p.channelData?.channel?.id;
    if (channelId) return channelId;
    const m = p.members?.[0]?.id;
    const user = m ? state.findUser(m) : undefined;
    return user ? state.personalConversationId(user.id) : `create|${m ?? 'unknown'}`;
  }

  interface ConversationParameters {
    isGroup?: boolean;
    bot?: { id?: string };
    members?: { id?: string }[];
    tenantId?: string;
    topicName?: string;
    activity?: Record<string, unknown>;
    channelData?: { channel?: { id?: string }; tenant?: { id?: string }; team?: { id?: string } };
  }

  function tenantOfBody(body: unknown): string | undefined {
    const p = (body ?? {}) as ConversationParameters;
    return p.tenantId ?? p.channelData?.tenant?.id;
  }

  function createConversation(body: unknown, authorization?: string): { status: number; body: unknown } {
    const p = (body ?? {}) as ConversationParameters;
    const at = new Date(now());
    const channelId = p.channelData?.channel?.id;
    if (p.isGroup && channelId) {
      // New thread in a channel: Teams answers {id: "<channelId>;messageid=<activityId>", activityId}.
      const channel = state.channels.get(channelId);
      if (!channel) throw new HttpFailure(404, 'ConversationNotFound', `Channel not found: ${channelId}`);
      if (!channel.botAdded) throw new HttpFailure(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
      if (!p.activity) throw new HttpFailure(400, 'BadArgument', 'An activity is required to start a channel conversation.');
      const activityId = state.nextActivityId(at.getTime());
      const threadId = `${channelId};messageid=${activityId}`;
      storeNew(channelId, threadId, activityId, p.activity, at, 'create', authorization, activityId, undefined);
      return { status: 201, body: { id: threadId, activityId } };
    }
    if (p.isGroup) {
      throw new HttpFailure(400, 'BadArgument', 'Bots cannot create group chats; pass channelData.channel.id to post to a channel.');
    }
    // Personal 1:1 chat.
    if (!p.members || p.members.length !== 1 || !p.members[0].id) {
      throw new HttpFailure(400, 'BadArgument', 'A personal conversation needs exactly one member.');
    }
    const tenantId = tenantOfBody(p);
    if (!tenantId) throw new HttpFailure(400, 'BadArgument', 'Tenant id is required (tenantId or channelData.tenant.id).');
    const user = state.findUser(p.members[0].id);
    if (!user) throw new HttpFailure(404, 'NotFound', `User not found: ${p.members[0].id}`);
    if (!user.botInstalled) throw new HttpFailure(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
    const conv = state.ensurePersonalConversation(user.id, tenantId);
    const result: Record<string, unknown> = { id: conv.id };
    if (p.activity) {
      const activityId = state.nextActivityId(at.getTime());
      storeNew(conv.id, conv.id, activityId, p.activity, at, 'create', authorization, undefined, undefined);
      result.activityId = activityId;
    }
    return { status: 201, body: result };
  }

  function storeNew(
    baseId: string,
    addressedId: string,
    activityId: string,
    body: Record<string, unknown>,
    at: Date,
    kind: 'create' | 'send' | 'reply',
    authorization: string | undefined,
    threadRootId: string | undefined,
    replyToId: string | undefined,
  ): StoredMessage {
    const op = state.record(kind, addressedId, activityId, body, at, authorization);
    const msg: StoredMessage = { activityId, conversationId: baseId, threadRootId, replyToId, body, createdAt: at, deleted: false, history: [op] };
    state.putMessage(msg);
    return msg;
  }

  function send(conversationId: string, replyTo: string | undefined, a: ApplyArgs): { status: number; body: unknown } {
    requireConv(conversationId, a.conv);
    const body = (a.body ?? {}) as Record<string, unknown>;
    const at = new Date(now());
    const { base, messageId } = splitConversationId(conversationId);
    const conv = a.conv!;
    let threadRootId: string | undefined;
    if (conv.kind === 'channel') {
      // The thread id in the conversation id decides the thread; otherwise a reply to a known post
      // joins its thread, and anything else starts a new post. Replies to unknown ids are accepted:
      // botbuilder's continueConversationAsync replies to a random uuid (the continuation event's id).
      const parent = replyTo ? state.getMessage(base, replyTo) : undefined;
      threadRootId = messageId ?? parent?.threadRootId;
    }
    const activityId = state.nextActivityId(at.getTime());
    if (conv.kind === 'channel' && !threadRootId) threadRootId = activityId;
    storeNew(base, conversationId, activityId, body, at, replyTo ? 'reply' : 'send', a.authorization, threadRootId, replyTo ?? (body.replyToId as string | undefined));
    return { status: 201, body: { id: activityId } };
  }

  function update(conversationId: string, activityId: string, a: ApplyArgs): { status: number; body: unknown } {
    requireConv(conversationId, a.conv);
    const msg = state.getMessage(conversationId, activityId);
    if (!msg || msg.deleted) throw new HttpFailure(404, 'ActivityNotFoundInConversation', `Activity ${activityId} not found in conversation.`);
    const body = (a.body ?? {}) as Record<string, unknown>;
    const at = new Date(now());
    msg.history.push(state.record('update', conversationId, activityId, body, at, a.authorization));
    msg.body = body;
    msg.updatedAt = at;
    return { status: 200, body: { id: activityId } };
  }

  function remove(conversationId: string, activityId: string, a: ApplyArgs): { status: number; body?: unknown } {
    requireConv(conversationId, a.conv);
    const msg = state.getMessage(conversationId, activityId);
    if (!msg || msg.deleted) throw new HttpFailure(404, 'ActivityNotFoundInConversation', `Activity ${activityId} not found in conversation.`);
    msg.history.push(state.record('delete', conversationId, activityId, {}, new Date(now()), a.authorization));
    msg.deleted = true;
    return { status: 200 };
  }

  function pagedMembers(conversationId: string, a: ApplyArgs): { status: number; body: unknown } {
    requireConv(conversationId, a.conv);
    const all = state.membersOf(a.conv!);
    const requested = Number(a.query.get('pageSize') ?? pageDefault);
    const size = Math.min(pageMax, Math.max(pageMin, Number.isFinite(requested) ? requested : pageDefault));
    const token = a.query.get('continuationToken');
    let offset = 0;
    if (token) {
      const decoded = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
      if (!decoded) throw new HttpFailure(400, 'BadArgument', 'Invalid continuation token.');
      offset = Number(decoded[1]);
    }
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(`o:${offset + size}`).toString('base64url') : undefined;
    // The last page carries no continuationToken (callers loop "while token !== undefined").
    return { status: 200, body: { members: page.map(memberJson), ...(next ? { continuationToken: next } : {}) } };
  }

  function member(conversationId: string, memberId: string, a: ApplyArgs): { status: number; body: unknown } {
    requireConv(conversationId, a.conv);
    const user = state.findUser(memberId);
    if (!user || !state.membersOf(a.conv!).some((m) => m.id === user.id)) {
      throw new HttpFailure(404, 'MemberNotFoundInConversation', 'The member is not found in the conversation.');
    }
    return { status: 200, body: memberJson(user) };
  }

  function teamDetails(teamId: string): { status: number; body: unknown } {
    const team = state.teams.get(teamId);
    if (!team) throw new HttpFailure(404, 'NotFound', `Team not found: ${teamId}`);
    return {
      status: 200,
      body: { id: team.id, name: team.name, aadGroupId: team.aadGroupId, channelCount: team.channelIds.length, memberCount: team.memberIds.length, type: 'standard' },
    };
  }

  function channelList(teamId: string): { status: number; body: unknown } {
    const team = state.teams.get(teamId);
    if (!team) throw new HttpFailure(404, 'NotFound', `Team not found: ${teamId}`);
    // Private/shared channels are listed only when the app was added to them.
    const conversations = team.channelIds
      .map((id) => state.channels.get(id)!)
      .filter((c) => c.membershipType === 'standard' || c.botAdded)
      .map((c) => ({ id: c.id, name: c.name }));
    return { status: 200, body: { conversations } };
  }

  // ---- public API ------------------------------------------------------------------------

  const fake: TeamsConnectorFake = {
    serviceUrl,
    port,
    state,
    requests,
    async stop() {
      for (const h of holds) h.controller.releaseAll();
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
    allSent: () => state.operations.filter((o) => o.kind !== 'delete'),
    activitiesIn(conversationId) {
      const { base, messageId } = splitConversationId(conversationId);
      return [...state.messages.values()]
        .filter((m) => m.conversationId === base && (!messageId || m.threadRootId === messageId))
        .sort((x, y) => x.history[0].seq - y.history[0].seq);
    },
    findByText(text) {
      return [...state.messages.values()]
        .filter((m) => !m.deleted)
        .filter((m) => {
          const hay = `${typeof m.body.text === 'string' ? m.body.text : ''}\n${JSON.stringify(m.body.attachments ?? '')}`;
          return typeof text === 'string' ? hay.includes(text) : text.test(hay);
        })
        .sort((x, y) => x.history[0].seq - y.history[0].seq);
    },
    lastCardIn(conversationId) {
      const msgs = fake.activitiesIn(conversationId).filter((m) => !m.deleted);
      for (let i = msgs.length - 1; i >= 0; i--) {
        const atts = (msgs[i].body.attachments ?? []) as { contentType?: string; content?: Record<string, unknown> }[];
        const card = atts.find((x) => x.contentType === ADAPTIVE_CARD);
        if (card) return card.content;
      }
      return undefined;
    },
    personalConversationId: (userRef) => state.personalConversationId(userRef),
    counters() {
      const c: FakeCounters = { total: 0, byStatus: {}, throttled: 0, byConversation: {} };
      for (const r of requests) {
        c.total += 1;
        c.byStatus[r.status] = (c.byStatus[r.status] ?? 0) + 1;
        if (r.status === 429) c.throttled += 1;
        if (r.conversationId) {
          const k = splitConversationId(r.conversationId).base;
          const e = (c.byConversation[k] ??= { requests: 0, writes: 0, throttled: 0 });
          e.requests += 1;
          if (r.status >= 200 && r.status < 300 && ['sendToConversation', 'replyToActivity', 'updateActivity', 'deleteActivity', 'createConversation'].includes(r.operation)) e.writes += 1;
          if (r.status === 429) e.throttled += 1;
        }
      }
      return c;
    },
    reset() {
      state.messages.clear();
      state.operations.length = 0;
      requests.length = 0;
      limiter.reset();
    },
    setRateLimits(config) {
      limiter.configure(mergeLimits(config));
    },
    resetRateLimits: () => limiter.reset(),
    failNext(count, status, opts = {}) {
      rules.push({ remaining: count, status, options: opts, active: () => true });
    },
    failWhile(condition, status, opts = {}) {
      const active =
        typeof condition === 'function'
          ? (req: FakeRequestInfo) => condition(req)
          : (_req: FakeRequestInfo, t: number) => t < new Date(condition.until).getTime();
      const rule: Rule = { remaining: Infinity, status, options: opts, active };
      rules.push(rule);
      return () => {
        rules = rules.filter((r) => r !== rule);
      };
    },
    acceptThenFail(count, status = 500, match) {
      acceptThenFailRules.push({ remaining: count, status, match });
    },
    async down(mode = 'refuse') {
      downMode = mode;
      if (mode === 'refuse') {
        for (const s of sockets) s.destroy();
        if (server.listening) await new Promise<void>((r) => server.close(() => r()));
      } else if (mode === 'reset') {
        for (const s of sockets) s.destroy();
      }
    },
    async up() {
      const wasRefusing = downMode === 'refuse';
      downMode = null;
      // Same port again, so the serviceUrl the bot stored stays valid.
      if (wasRefusing && !server.listening) await listen(port);
    },
    setLatency(l) {
      latency = l;
    },
    hold(opts = {}) {
      const entry: HoldEntry = { match: opts.match, when: opts.when ?? 'after-apply', controller: undefined as unknown as HoldControllerImpl, active: true };
      entry.controller = new HoldControllerImpl(() => {
        entry.active = false;
      });
      holds.push(entry);
      return entry.controller;
    },
    clearFaults() {
      rules = [];
      acceptThenFailRules = [];
      latency = null;
      for (const h of holds) {
        h.active = false;
        h.controller.releaseAll();
      }
    },
  };
  return fake;
}

class HoldControllerImpl implements HoldController {
  readonly held: HeldRequest[] = [];
  private waiters: { count: number; resolve: (h: HeldRequest[]) => void }[] = [];
  constructor(private readonly onStop: () => void) {}

  add(h: HeldRequest): void {
    this.held.push(h);
    this.waiters = this.waiters.filter((w) => {
      if (this.held.length >= w.count) {
        w.resolve([...this.held]);
        return false;
      }
      return true;
    });
  }
  waitForHeld(count = 1): Promise<HeldRequest[]> {
    if (this.held.length >= count) return Promise.resolve([...this.held]);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
  releaseAll(): void {
    for (const h of this.held.splice(0)) h.release();
  }
  destroyAll(): void {
    for (const h of this.held.splice(0)) h.destroy();
  }
  stop(): void {
    this.onStop();
  }
}

function mergeLimits(config: false | Partial<RateLimitConfig> | undefined): RateLimitConfig {
  const d = defaultRateLimits();
  if (config === false) return { ...d, enabled: false };
  if (!config) return d;
  return { ...d, ...config, perConversation: { ...d.perConversation, ...config.perConversation } };
}

function latencyMs(l: LatencySpec): number {
  if (l === null) return 0;
  if (typeof l === 'number') return l;
  return l.min + Math.random() * (l.max - l.min);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, f: HttpFailure): void {
  // Bot Connector ErrorResponse shape: { error: { code, message } }.
  sendJson(res, f.status, { error: { code: f.code, message: f.message } }, f.headers);
}
