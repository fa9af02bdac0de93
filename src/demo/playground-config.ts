import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The demo school as the Microsoft 365 Agents Playground presents it to the bot, and the writer
 * of the Playground's `.m365agentsplayground.yml` (schema version 0.1.1).
 *
 * Constraints of that format (read from the Playground's bundled JSON schema and checked by
 * running it; see docs/playground.md):
 * - one `currentUser` (the person at the keyboard; the only member of the personal chat) and
 *   exactly five other `users`; every user is a member of the one group chat and of the one team;
 * - one team, whose General channel's conversation id is the team id, plus at most one more channel;
 * - ids are free-form strings, so Teams-shaped ids are used here to keep parsing code honest.
 * The Playground sends the ids below verbatim in activities (from.id, from.aadObjectId,
 * conversation.id, channelData.team.id, channelData.channel.id, channelData.tenant.id).
 */

export type DemoUserKey = 'samTeacher' | 'danaLead' | 'priyaDeputy' | 'alexSupport' | 'jordanHead' | 'morganOffice';

export interface DemoUser {
  /** The Teams user id (activity `from.id`, `TeamsChannelAccount.id`). */
  id: string;
  aadObjectId: string;
  name: string;
  givenName: string;
  surname: string;
  email: string;
  userPrincipalName: string;
  /** A designated safeguarding lead (or deputy) in the demo, i.e. should see concerns. */
  isDsl: boolean;
  jobTitle: string;
}

export interface DemoChannel {
  /** Channel id = the channel's conversation id (channelData.channel.id). */
  id: string;
  name: string;
}

export interface DemoSchool {
  schoolName: string;
  timeZone: string;
  tenantId: string;
  bot: { id: string; name: string };
  /** Who sits at the Playground's keyboard by default (the personal-chat user). */
  currentUser: DemoUserKey;
  users: Record<DemoUserKey, DemoUser>;
  /** Conversation id of the current user's personal chat with the bot. */
  personalChatId: string;
  groupChat: { id: string; name: string };
  team: {
    /** Team id; also the General channel's id, as in Teams. */
    id: string;
    name: string;
    aadGroupId: string;
    general: DemoChannel;
    safeguarding: DemoChannel;
  };
  /** Port the demo runs the Playground UI on. */
  playgroundPort: number;
  /** Port of the connector proxy in front of it (see startPlayground), and so of the serviceUrl. */
  connectorPort: number;
  /** The serviceUrl every activity carries when the demo runs on these ports. */
  serviceUrl: string;
}

/** The serviceUrl for a connector port: startPlayground passes it as --service-url (127.0.0.1, not localhost). */
export function playgroundServiceUrl(port: number): string {
  return `http://127.0.0.1:${port}/_connector`;
}

export const DEFAULT_PLAYGROUND_PORT = 56150;
export const DEFAULT_CONNECTOR_PORT = 56151;

function user(
  slug: string,
  n: number,
  givenName: string,
  surname: string,
  jobTitle: string,
  isDsl: boolean,
): DemoUser {
  const email = `${givenName}.${surname}@hillside-demo.example`.toLowerCase();
  return {
    id: `29:1jigsaw-demo-${slug}`,
    aadObjectId: `6f1c2a9e-0d3b-4e57-9a10-0000000000${String(n).padStart(2, '0')}`,
    name: `${givenName} ${surname}`,
    givenName,
    surname,
    email,
    userPrincipalName: email,
    isDsl,
    jobTitle,
  };
}

export const DEMO_SCHOOL = {
  schoolName: 'Hillside Primary School (demo)',
  timeZone: 'Europe/London',
  tenantId: '3c9a7e2b-5f14-4d6a-8b0e-00000000d3e0',
  bot: { id: '28:jigsaw-demo-bot', name: 'Jigsaw' },
  currentUser: 'samTeacher',
  users: {
    samTeacher: user('sam-teacher', 1, 'Sam', 'Teacher', 'Class teacher, Year 4', false),
    danaLead: user('dana-lead', 2, 'Dana', 'Lead', 'Designated Safeguarding Lead', true),
    priyaDeputy: user('priya-deputy', 3, 'Priya', 'Deputy', 'Deputy DSL', true),
    alexSupport: user('alex-support', 4, 'Alex', 'Support', 'Teaching assistant', false),
    jordanHead: user('jordan-head', 5, 'Jordan', 'Head', 'Headteacher', false),
    morganOffice: user('morgan-office', 6, 'Morgan', 'Office', 'School business manager', false),
  },
  personalChatId: 'a:1jigsaw-demo-personal-chat',
  groupChat: { id: '19:jigsaw-demo-group-chat@thread.v2', name: 'Staffroom chat' },
  team: {
    id: '19:jigsaw-demo-team-general@thread.tacv2',
    name: 'Safeguarding Team',
    aadGroupId: '8e0d4b71-2c6f-4a93-b5d8-00000000e7a1',
    general: { id: '19:jigsaw-demo-team-general@thread.tacv2', name: 'General' },
    safeguarding: { id: '19:jigsaw-demo-safeguarding@thread.tacv2', name: 'Safeguarding' },
  },
  playgroundPort: DEFAULT_PLAYGROUND_PORT,
  connectorPort: DEFAULT_CONNECTOR_PORT,
  serviceUrl: playgroundServiceUrl(DEFAULT_CONNECTOR_PORT),
} as const satisfies DemoSchool;

/**
 * Channel rosters for startPlayground's `channelMembers`: the Safeguarding channel holds only the
 * DSLs (as a private channel would); General keeps the whole team. Without this every Playground
 * channel lists every user.
 */
export function demoChannelMembers(demo: DemoSchool = DEMO_SCHOOL): Record<string, string[]> {
  const dsls = Object.values(demo.users).filter((u) => u.isDsl).map((u) => u.id);
  return { [demo.team.safeguarding.id]: dsls };
}

export interface PlaygroundConfigOptions {
  /** Seat someone else at the keyboard (e.g. a DSL, to see their personal chat); default demo.currentUser. */
  currentUser?: DemoUserKey;
}

/** YAML scalar: a JSON string is a valid YAML double-quoted scalar, so quoting is exact and safe. */
const q = (value: string): string => JSON.stringify(value);

function userYaml(u: DemoUser, indent: string): string {
  return [
    `id: ${q(u.id)}`,
    `name: ${q(u.name)}`,
    // The Playground's schema spells it "Principle".
    `userPrincipleName: ${q(u.userPrincipalName)}`,
    `aadObjectId: ${q(u.aadObjectId)}`,
    `givenName: ${q(u.givenName)}`,
    `surname: ${q(u.surname)}`,
    `email: ${q(u.email)}`,
  ]
    .map((line, i) => (i === 0 ? line : `${indent}${line}`))
    .join('\n');
}

/** The config file's text; exposed separately so tests can check it without touching disk. */
export function renderPlaygroundConfig(demo: DemoSchool = DEMO_SCHOOL, options: PlaygroundConfigOptions = {}): string {
  const currentKey = options.currentUser ?? demo.currentUser;
  const others = (Object.keys(demo.users) as DemoUserKey[]).filter((k) => k !== currentKey);
  if (others.length !== 5) {
    // The Playground's schema insists on exactly five users besides the current one.
    throw new Error(`the Playground needs exactly 6 demo users, got ${others.length + 1}`);
  }
  const lines = [
    '# Generated by src/demo/playground-config.ts: do not edit, regenerate.',
    '# Microsoft 365 Agents Playground mock tenant for the Jigsaw demo school.',
    'version: "0.1.1"',
    `tenantId: ${q(demo.tenantId)}`,
    'bot:',
    `  id: ${q(demo.bot.id)}`,
    `  name: ${q(demo.bot.name)}`,
    `currentUser:`,
    `  ${userYaml(demo.users[currentKey], '  ')}`,
    'users:',
    ...others.map((k) => `  - ${userYaml(demo.users[k], '    ')}`),
    'personalChat:',
    `  id: ${q(demo.personalChatId)}`,
    'groupChat:',
    `  id: ${q(demo.groupChat.id)}`,
    `  name: ${q(demo.groupChat.name)}`,
    'team:',
    `  id: ${q(demo.team.id)}`,
    `  name: ${q(demo.team.name)}`,
    `  aadGroupId: ${q(demo.team.aadGroupId)}`,
    // General is implicit (its id is the team id); the schema allows one more channel.
    '  channels:',
    `    - id: ${q(demo.team.safeguarding.id)}`,
    `      name: ${q(demo.team.safeguarding.name)}`,
    '',
  ];
  return lines.join('\n');
}

/** Writes the Playground config for a demo school to `path` (normally `<cwd>/.m365agentsplayground.yml`). */
export function writePlaygroundConfig(
  path: string,
  demo: DemoSchool = DEMO_SCHOOL,
  options: PlaygroundConfigOptions = {},
): void {
  if (demo.team.general.id !== demo.team.id) {
    throw new Error('the General channel id must equal the team id (the Playground derives it)');
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderPlaygroundConfig(demo, options), 'utf8');
}
