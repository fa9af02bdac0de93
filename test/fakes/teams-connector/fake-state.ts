// In-memory model of what the Teams connector knows: users, teams, channels, conversations
// and the messages the bot has posted. Shapes follow the Bot Connector v3 REST API as Teams
// implements it (msteams-docs bots/how-to/get-teams-context.md for members, team details
// and channel lists).
import { createHash } from 'node:crypto';

export type UserRole = 'user' | 'guest' | 'anonymous';

export interface FakeUserInit {
  aadObjectId: string;
  name: string;
  /** Teams user id (29:...); derived from aadObjectId when omitted. */
  id?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  userRole?: UserRole;
  /** False models "the app is not installed for this user": createConversation answers 403. */
  botInstalled?: boolean;
}

export interface FakeUser {
  id: string;
  aadObjectId: string;
  name: string;
  givenName?: string;
  surname?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId: string;
  userRole: UserRole;
  botInstalled: boolean;
}

export type ChannelMembershipType = 'standard' | 'private' | 'shared';

export interface FakeChannelInit {
  id: string;
  name: string;
  membershipType?: ChannelMembershipType;
  /** Private/shared channels have their own roster (aadObjectIds or 29: ids); standard channels use the team's. */
  members?: string[];
  /** Private channels need the app added to the channel itself; default true. */
  botAdded?: boolean;
}

export interface FakeTeamInit {
  /** Team id; in Teams it equals the General channel's id (19:...@thread.tacv2). */
  id: string;
  name: string;
  aadGroupId?: string;
  tenantId?: string;
  /** Team members (aadObjectIds or 29: ids of users added with addUser/options.users). */
  members: string[];
  channels?: FakeChannelInit[];
}

export interface FakeChannel {
  id: string;
  teamId: string;
  /** null for General, as Teams returns it ("to allow for localization"). */
  name: string | null;
  membershipType: ChannelMembershipType;
  memberIds: string[] | undefined;
  botAdded: boolean;
}

export interface FakeTeam {
  id: string;
  name: string;
  aadGroupId: string;
  tenantId: string;
  memberIds: string[];
  channelIds: string[];
}

export type ConversationKind = 'personal' | 'channel' | 'groupChat';

export interface FakeConversation {
  id: string;
  kind: ConversationKind;
  tenantId: string;
  /** Teams user ids of the members (personal / group chat); channels resolve through the team. */
  memberIds: string[];
  teamId?: string;
  channelId?: string;
}

export type OperationKind = 'create' | 'send' | 'reply' | 'update' | 'delete';

/** One accepted write, in the order the fake accepted it. */
export interface RecordedOperation {
  seq: number;
  kind: OperationKind;
  /** Conversation id exactly as the bot addressed it (decoded). */
  conversationId: string;
  activityId: string;
  /** Request body as received (the activity). Empty object for delete. */
  body: Record<string, unknown>;
  at: Date;
  authorization?: string;
}

/** Current state of one message in a conversation (after updates/deletes). */
export interface StoredMessage {
  activityId: string;
  /** Base conversation id (a channel thread's `;messageid=` suffix removed). */
  conversationId: string;
  /** Root activity id of the channel thread this message belongs to (itself for a root post). */
  threadRootId?: string;
  replyToId?: string;
  body: Record<string, unknown>;
  createdAt: Date;
  updatedAt?: Date;
  deleted: boolean;
  /** Every accepted operation on this message, oldest first. */
  history: RecordedOperation[];
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

function digest(input: string): string {
  return createHash('sha256').update(input).digest('base64url');
}

/** A stable, realistic-looking Teams user id (29:...) for an AAD object id. */
export function teamsUserIdFor(aadObjectId: string): string {
  return `29:1${digest(`user|${aadObjectId}`).slice(0, 60)}`;
}

/** Splits a channel thread id `19:x@thread.tacv2;messageid=123` into base and root id. */
export function splitConversationId(id: string): { base: string; messageId?: string } {
  const m = /^(.*);messageid=(\d+)$/i.exec(id);
  return m ? { base: m[1], messageId: m[2] } : { base: id };
}

export class FakeTeamsState {
  readonly users = new Map<string, FakeUser>(); // by Teams id
  readonly teams = new Map<string, FakeTeam>();
  readonly channels = new Map<string, FakeChannel>();
  readonly conversations = new Map<string, FakeConversation>();
  readonly messages = new Map<string, StoredMessage>(); // key `${base}|${activityId}`
  readonly operations: RecordedOperation[] = [];
  private seq = 0;
  private lastActivityId = 0;

  constructor(
    readonly defaultTenantId: string,
    readonly botId: string,
  ) {}

  addUser(init: FakeUserInit): FakeUser {
    const user: FakeUser = {
      id: init.id ?? teamsUserIdFor(init.aadObjectId),
      aadObjectId: init.aadObjectId,
      name: init.name,
      givenName: init.givenName,
      surname: init.surname,
      email: init.email,
      userPrincipalName: init.userPrincipalName ?? init.email,
      tenantId: init.tenantId ?? this.defaultTenantId,
      userRole: init.userRole ?? 'user',
      botInstalled: init.botInstalled ?? true,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Finds a user by Teams id, AAD object id or UPN (the forms getMember accepts). */
  findUser(idOrAadOrUpn: string): FakeUser | undefined {
    const direct = this.users.get(idOrAadOrUpn);
    if (direct) return direct;
    const needle = idOrAadOrUpn.toLowerCase();
    for (const u of this.users.values()) {
      if (u.aadObjectId.toLowerCase() === needle || u.userPrincipalName?.toLowerCase() === needle) return u;
    }
    return undefined;
  }

  private requireUserId(ref: string): string {
    const u = this.findUser(ref);
    if (!u) throw new Error(`teams-connector fake: unknown user ${ref}; add it to users first`);
    return u.id;
  }

  addTeam(init: FakeTeamInit): FakeTeam {
    const team: FakeTeam = {
      id: init.id,
      name: init.name,
      aadGroupId: init.aadGroupId ?? digestGuid(`group|${init.id}`),
      tenantId: init.tenantId ?? this.defaultTenantId,
      memberIds: init.members.map((m) => this.requireUserId(m)),
      channelIds: [],
    };
    this.teams.set(team.id, team);
    // The General channel's id is the team id.
    this.addChannel(team.id, { id: team.id, name: 'General' });
    for (const ch of init.channels ?? []) if (ch.id !== team.id) this.addChannel(team.id, ch);
    return team;
  }

  addChannel(teamId: string, init: FakeChannelInit): FakeChannel {
    const team = this.teams.get(teamId);
    if (!team) throw new Error(`teams-connector fake: unknown team ${teamId}`);
    const type = init.membershipType ?? 'standard';
    const channel: FakeChannel = {
      id: init.id,
      teamId,
      name: init.id === teamId ? null : init.name,
      membershipType: type,
      memberIds: type === 'standard' ? undefined : (init.members ?? []).map((m) => this.requireUserId(m)),
      botAdded: init.botAdded ?? true,
    };
    this.channels.set(channel.id, channel);
    if (!team.channelIds.includes(channel.id)) team.channelIds.push(channel.id);
    return channel;
  }

  setChannelMembers(channelId: string, members: string[]): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`teams-connector fake: unknown channel ${channelId}`);
    if (ch.membershipType === 'standard') {
      this.teams.get(ch.teamId)!.memberIds = members.map((m) => this.requireUserId(m));
    } else {
      ch.memberIds = members.map((m) => this.requireUserId(m));
    }
  }

  /** The 1:1 conversation id Teams would give this bot and user; stable, like Teams'. */
  personalConversationId(userRef: string): string {
    const userId = this.requireUserId(userRef);
    return `a:1${digest(`personal|${this.botId}|${userId}`).slice(0, 70)}`;
  }

  ensurePersonalConversation(userId: string, tenantId: string): FakeConversation {
    const id = this.personalConversationId(userId);
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { id, kind: 'personal', tenantId, memberIds: [userId] };
      this.conversations.set(id, conv);
    }
    return conv;
  }

  /** Resolves any id the bot may address: created conversations, channels (and their threads). */
  resolveConversation(id: string): FakeConversation | undefined {
    const known = this.conversations.get(id);
    if (known) return known;
    const { base } = splitConversationId(id);
    const channel = this.channels.get(base);
    if (channel) {
      const team = this.teams.get(channel.teamId)!;
      return { id: base, kind: 'channel', tenantId: team.tenantId, memberIds: [], teamId: team.id, channelId: base };
    }
    // Personal conversations exist for every user with the app installed, even before createConversation.
    for (const u of this.users.values()) {
      if (u.botInstalled && this.personalConversationId(u.id) === id) return this.ensurePersonalConversation(u.id, u.tenantId);
    }
    return undefined;
  }

  membersOf(conv: FakeConversation): FakeUser[] {
    let ids: string[];
    if (conv.kind === 'channel') {
      const ch = this.channels.get(conv.channelId!)!;
      ids = ch.memberIds ?? this.teams.get(ch.teamId)!.memberIds;
    } else {
      ids = conv.memberIds;
    }
    return ids.map((id) => this.users.get(id)).filter((u): u is FakeUser => !!u);
  }

  /** Teams activity ids are epoch milliseconds; keep them unique and increasing. */
  nextActivityId(now: number): string {
    this.lastActivityId = Math.max(now, this.lastActivityId + 1);
    return String(this.lastActivityId);
  }

  record(kind: OperationKind, conversationId: string, activityId: string, body: Record<string, unknown>, at: Date, authorization?: string): RecordedOperation {
    const op: RecordedOperation = { seq: ++this.seq, kind, conversationId, activityId, body, at, authorization };
    this.operations.push(op);
    return op;
  }

  getMessage(conversationId: string, activityId: string): StoredMessage | undefined {
    return this.messages.get(`${splitConversationId(conversationId).base}|${activityId}`);
  }

  putMessage(msg: StoredMessage): void {
    this.messages.set(`${msg.conversationId}|${msg.activityId}`, msg);
  }
}

function digestGuid(input: string): string {
  const h = createHash('sha256').update(input).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Member as the connector returns it: `objectId` is what Teams sends (see the docs' JSON sample);
 * `aadObjectId` is what botbuilder's ChannelAccount mapper reads, so both are present. */
export function memberJson(u: FakeUser): Record<string, unknown> {
  return {
    id: u.id,
    name: u.name,
    objectId: u.aadObjectId,
    aadObjectId: u.aadObjectId,
    givenName: u.givenName,
    surname: u.surname,
    email: u.email,
    userPrincipalName: u.userPrincipalName,
    tenantId: u.tenantId,
    userRole: u.userRole,
  };
}
