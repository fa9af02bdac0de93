// The Teams app package and the Teams toolkit files, checked offline:
// - appPackage/manifest.json against Microsoft's own JSON schema (from @microsoft/app-manifest,
//   draft-04, validated with ajv-draft-04 as that package does), placeholders filled in;
// - the manifest's promises: private channels, bot scopes, RSC, tabs, SSO, icons;
// - teamsapp.yml / teamsapp.local.yml / m365agents.yml: known actions only, and every ${{VAR}}
//   that a step (or a file it reads) needs is written by an earlier step, a Bicep output, the
//   toolkit itself, or is set by you in the env files;
// - aad.manifest.json (SSO and Graph permissions) and docs/permissions.md agree;
// - infra: parameters match the Bicep parameters, the settings the app needs are there;
// - scripts/package-app.js builds a zip that holds a valid manifest and the icons.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const readJson = (path: string): any => JSON.parse(read(path));

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const placeholdersIn = (text: string): string[] => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();

/** Realistic values for every placeholder the manifest may use. */
const SAMPLE_VALUES: Record<string, string> = {
  TEAMSFX_ENV: 'dev',
  APP_NAME_SUFFIX: '-dev',
  TEAMS_APP_ID: '5f0c8a61-2d3e-4b7a-9c1f-0a2b3c4d5e6f',
  BOT_ID: '9b1d2c3e-4f5a-4b6c-8d7e-1f2a3b4c5d6e',
  BOT_DOMAIN: 'jigsaw-dev-x7k2m9q4r8s1t.azurewebsites.net',
  AAD_APP_CLIENT_ID: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
};

function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no sample value for \${{${name}}}: add it to SAMPLE_VALUES`);
    return value;
  });
}

// ---- the official schema, offline ----------------------------------------------------------

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string; params?: unknown }[] | null;
}

const appManifestPackageJson = require.resolve('@microsoft/app-manifest/package.json');
const schemaDir = (version: string): string => join(dirname(appManifestPackageJson), 'build', 'json-schemas', 'teams', `v${version}`);

/** Compiles the Teams schema the way @microsoft/app-manifest does (ajv-draft-04 + formats). */
function compileTeamsSchema(version: string): ValidateFunction {
  // Resolved from @microsoft/app-manifest, whose dependencies these are.
  const requireFromAppManifest = createRequire(appManifestPackageJson);
  const AjvDraft04 = requireFromAppManifest('ajv-draft-04') as { default?: unknown } & (new (options: object) => unknown);
  const addFormats = requireFromAppManifest('ajv-formats') as { default?: unknown } & ((ajv: unknown, formats: string[]) => void);
  const Ajv = (AjvDraft04.default ?? AjvDraft04) as new (options: object) => { compile(schema: object): ValidateFunction };
  const formats = (addFormats.default ?? addFormats) as (ajv: unknown, formats: string[]) => void;
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  formats(ajv, ['uri', 'email', 'regex']);
  const schema = JSON.parse(readFileSync(join(schemaDir(version), 'MicrosoftTeams.schema.json'), 'utf8')) as object;
  return ajv.compile(schema);
}

const describeErrors = (validate: ValidateFunction): string[] =>
  (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`);

// ---- PNG -------------------------------------------------------------------------------------

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  chunks: { type: string; data: Buffer }[];
}

function parsePng(buf: Buffer): Png {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!buf.subarray(0, 8).equals(signature)) throw new Error('not a PNG file');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let off = 8; off < buf.length; ) {
    const length = buf.readUInt32BE(off);
    chunks.push({ type: buf.toString('ascii', off + 4, off + 8), data: buf.subarray(off + 8, off + 8 + length) });
    off += 12 + length;
  }
  const ihdr = chunks[0];
  if (!ihdr || ihdr.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  return { width: ihdr.data.readUInt32BE(0), height: ihdr.data.readUInt32BE(4), bitDepth: ihdr.data[8]!, colourType: ihdr.data[9]!, chunks };
}

/** RGBA pixels of an 8-bit truecolour-with-alpha, non-interlaced PNG (all five filter types). */
function decodeRgba(png: Png): Buffer {
  if (png.bitDepth !== 8 || png.colourType !== 6) throw new Error(`expected 8-bit RGBA, got depth ${png.bitDepth} colour type ${png.colourType}`);
  const raw = inflateSync(Buffer.concat(png.chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = png.width * 4;
  const out = Buffer.alloc(stride * png.height);
  for (let y = 0; y < png.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter type ${filter}`);
      out[y * stride + x] = (v + predictor) & 0xff;
    }
  }
  return out;
}

// ---- zip -------------------------------------------------------------------------------------

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads a zip without zip64 or a comment; checks every entry's CRC. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.length - 22;
  if (buf.readUInt32LE(eocd) !== 0x06054b50) throw new Error('no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) throw new Error('bad central directory header');
    const method = buf.readUInt16LE(off + 10);
    const crc = buf.readUInt32LE(off + 16);
    const compressedSize = buf.readUInt32LE(off + 20);
    const nameLength = buf.readUInt16LE(off + 28);
    const extraLength = buf.readUInt16LE(off + 30);
    const commentLength = buf.readUInt16LE(off + 32);
    const localOffset = buf.readUInt32LE(off + 42);
    const name = buf.toString('utf8', off + 46, off + 46 + nameLength);
    if (buf.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    const body = buf.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(body) : method === 0 ? Buffer.from(body) : null;
    if (!data) throw new Error(`unsupported compression method ${method} for ${name}`);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch for ${name}`);
    entries.set(name, data);
    off += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

// ---- the toolkit's yml files (a small line parser: these files are ours and simple) ---------

interface Action {
  uses: string;
  /** Scalar values directly under `with:`. */
  with: Record<string, string>;
  /** Environment variables named under `writeToEnvironmentFile:`. */
  writes: string[];
  /** ${{VAR}} references in the step itself. */
  refs: string[];
  /** Every `path:`/`parameters:`-like file the step names (for arm/deploy templates). */
  lines: string[];
}

const stripComment = (line: string): string => (/^\s*#/.test(line) ? '' : line.replace(/\s+#.*$/, ''));
const indentOf = (line: string): number => line.length - line.trimStart().length;

function parseStage(yml: string, stage: string): Action[] {
  const lines = yml.split(/\r?\n/).map(stripComment);
  const start = lines.findIndex((l) => l === `${stage}:`);
  if (start < 0) return [];
  const body: string[] = [];
  for (let i = start + 1; i < lines.length && !/^\S/.test(lines[i]!); i++) body.push(lines[i]!);
  const items: string[][] = [];
  for (const line of body) {
    if (/^ {2}- uses:/.test(line)) items.push([line]);
    else if (line.trim() && items.length > 0) items[items.length - 1]!.push(line);
    else if (line.trim()) throw new Error(`${stage}: unexpected line before the first step: ${line}`);
  }
  return items.map((item) => {
    const uses = item[0]!.replace(/^ {2}- uses:\s*/, '').trim();
    const withValues: Record<string, string> = {};
    const writes: string[] = [];
    let section: { name: string; indent: number } | null = null;
    for (const line of item.slice(1)) {
      const indent = indentOf(line);
      const match = /^\s*([A-Za-z0-9_]+):\s*(.*)$/.exec(line);
      if (section && indent <= section.indent) section = null;
      if (!section && match && (match[1] === 'with' || match[1] === 'writeToEnvironmentFile') && match[2] === '') {
        section = { name: match[1], indent };
        continue;
      }
      if (section && match && indent === section.indent + 2) {
        if (section.name === 'with' && match[2] !== '') withValues[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
        if (section.name === 'writeToEnvironmentFile') writes.push(match[2]!);
      }
    }
    return { uses, with: withValues, writes, refs: placeholdersIn(item.join('\n')), lines: item };
  });
}

/** Names of the outputs of a Bicep file, as arm/deploy writes them (upper case, non-alphanumerics as _). */
function bicepOutputs(path: string): string[] {
  return [...read(path).matchAll(/^output\s+([A-Za-z0-9_]+)\s/gm)].map((m) => m[1]!.toUpperCase().replace(/[^A-Z0-9]/g, '_'));
}

/** Keys of a dotenv file, with their values. */
function envFile(path: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!existsSync(join(ROOT, path))) return map;
  for (const line of read(path).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (m) map.set(m[1]!, m[2]!.trim());
  }
  return map;
}

/** Actions the yml files may use: those of the toolkit's action reference (aka.ms/teamsfx-actions). */
const KNOWN_ACTIONS = new Set([
  'teamsApp/create',
  'teamsApp/update',
  'teamsApp/validateManifest',
  'teamsApp/validateAppPackage',
  'teamsApp/zipAppPackage',
  'teamsApp/publishAppPackage',
  'aadApp/create',
  'aadApp/update',
  'arm/deploy',
  'botFramework/create',
  'cli/runNpmCommand',
  'azureAppService/zipDeploy',
  'file/createOrUpdateEnvironmentFile',
]);

/** Variables the toolkit itself supplies (or asks for) in every environment. */
const TOOLKIT_BUILT_INS = ['TEAMSFX_ENV', 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME'];

interface Project {
  yml: string;
  env: string;
  /** Variables written before `provision` by something outside these files (the local tunnel). */
  external: string[];
}

const PROJECTS: Project[] = [
  { yml: 'teamsapp.yml', env: 'dev', external: [] },
  { yml: 'm365agents.yml', env: 'dev', external: [] },
  { yml: 'teamsapp.local.yml', env: 'local', external: ['BOT_ENDPOINT', 'BOT_DOMAIN'] },
];

/** What each step makes available, in order; and for each step the variables it needs. */
function walk(project: Project): { steps: { stage: string; action: Action; needs: string[]; available: Set<string>; writes: string[] }[]; producers: Map<string, string> } {
  const yml = read(project.yml);
  const stages = ['provision', 'deploy', 'publish'].map((stage) => ({ stage, actions: parseStage(yml, stage) }));
  const all = stages.flatMap((s) => s.actions);
  const written = new Set(all.flatMap((a) => a.writes));
  const template = envFile(`env/.env.${project.env}`);
  const userSample = envFile(`env/.env.${project.env}.user.sample`);
  const producers = new Map<string, string>();
  for (const name of TOOLKIT_BUILT_INS) producers.set(name, 'the toolkit');
  for (const [key, value] of template) if (value !== '') producers.set(key, `env/.env.${project.env}`);
  // An empty entry that no step writes is the admin's to fill in before provisioning (the school's
  // role holders, for example); the toolkit passes an empty value through when it stays empty.
  const armOutputs = new Set(all.filter((a) => a.uses === 'arm/deploy').flatMap((a) => a.lines.map((l) => /^\s*-?\s*path:\s*(\S+)/.exec(l)?.[1]).filter((p): p is string => Boolean(p)).flatMap((p) => bicepOutputs(p))));
  for (const [key, value] of template) if (value === '' && !written.has(key) && !armOutputs.has(key) && !producers.has(key)) producers.set(key, `you, in env/.env.${project.env}`);
  for (const key of userSample.keys()) if (!written.has(key)) producers.set(key, `you, in env/.env.${project.env}.user`);
  for (const name of project.external) producers.set(name, 'the local tunnel');
  const steps: { stage: string; action: Action; needs: string[]; available: Set<string>; writes: string[] }[] = [];
  for (const { stage, actions } of stages) {
    for (const action of actions) {
      const consumed: string[] = [];
      if (action.uses === 'teamsApp/validateManifest' || action.uses === 'teamsApp/zipAppPackage' || action.uses === 'aadApp/update') {
        consumed.push(action.with['manifestPath'] ?? '');
      }
      const templates: string[] = [];
      if (action.uses === 'arm/deploy') {
        for (const line of action.lines) {
          const param = /^\s*parameters:\s*(\S+)/.exec(line);
          if (param) consumed.push(param[1]!);
          const path = /^\s*-?\s*path:\s*(\S+)/.exec(line);
          if (path) templates.push(path[1]!);
        }
      }
      const needs = [...new Set([...action.refs, ...consumed.flatMap((file) => placeholdersIn(read(file)))])].sort();
      // aadApp/update generates the access_as_user scope id itself when it is empty.
      const selfMade = action.uses === 'aadApp/update' ? ['AAD_APP_ACCESS_AS_USER_PERMISSION_ID'] : [];
      steps.push({ stage, action, needs, available: new Set([...producers.keys(), ...selfMade]), writes: action.writes });
      const writes = [...action.writes, ...selfMade];
      if (action.uses === 'teamsApp/create' || action.uses === 'teamsApp/update') writes.push('TEAMS_APP_TENANT_ID');
      for (const t of templates) writes.push(...bicepOutputs(t));
      for (const name of writes) if (!producers.has(name)) producers.set(name, `${stage}: ${action.uses}`);
    }
  }
  return { steps, producers };
}

// ---- the tests -------------------------------------------------------------------------------

describe('appPackage/manifest.json', () => {
  const text = read('appPackage/manifest.json');
  const manifest = JSON.parse(text);
  const version: string = manifest.manifestVersion;

  it('uses schema 1.25 or newer, shipped offline, with the public $schema URL that the toolkit uses', () => {
    expect(version).toMatch(/^1\.\d+$/);
    expect(Number(version.split('.')[1])).toBeGreaterThanOrEqual(25);
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
    expect(existsSync(join(schemaDir(version), 'MicrosoftTeams.schema.json'))).toBe(true);
  });

  it('is valid against the official schema once its placeholders are filled', () => {
    const validate = compileTeamsSchema(version);
    const filled = JSON.parse(fill(text, SAMPLE_VALUES));
    const valid = validate(filled);
    expect(describeErrors(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check catches a broken manifest', () => {
    const validate = compileTeamsSchema(version);
    const broken = JSON.parse(fill(text, SAMPLE_VALUES));
    broken.bots[0].scopes = ['personal', 'everywhere'];
    broken.accentColor = 'teal';
    delete broken.developer;
    expect(validate(broken)).toBe(false);
    const errors = describeErrors(validate).join('\n');
    expect(errors).toMatch(/\/bots\/0\/scopes\/1/);
    expect(errors).toMatch(/\/accentColor/);
    expect(errors).toMatch(/developer/);
  });

  it('declares tier1 channel features, so it can be added to private channels', () => {
    expect(manifest.supportsChannelFeatures).toBe('tier1');
  });

  it('has one bot, in personal and team scope, without files, with its commands', () => {
    expect(manifest.bots).toHaveLength(1);
    const bot = manifest.bots[0];
    expect(bot.botId).toBe('${{BOT_ID}}');
    expect([...bot.scopes].sort()).toEqual(['personal', 'team']);
    expect(bot.supportsFiles).toBe(false);
    const commandsIn = (scope: string): string[] =>
      bot.commandLists.filter((l: { scopes: string[] }) => l.scopes.includes(scope)).flatMap((l: { commands: { title: string }[] }) => l.commands.map((c) => c.title));
    const all = [...commandsIn('personal'), ...commandsIn('team')];
    for (const command of ['report', 'help', 'setup', 'status']) expect(all).toContain(command);
    // Concerns are reported one to one, never in a channel where others would see them.
    expect(commandsIn('personal')).toContain('report');
    expect(commandsIn('team')).not.toContain('report');
  });

  it('asks for exactly one resource-specific permission: ChannelMember.Read.Group', () => {
    expect(manifest.authorization.permissions.resourceSpecific).toEqual([{ name: 'ChannelMember.Read.Group', type: 'Application' }]);
  });

  it('has a personal "Jigsaw" tab, a configurable channel tab and SSO on BOT_DOMAIN', () => {
    const personal = manifest.staticTabs.find((t: { name?: string }) => t.name === 'Jigsaw');
    expect(personal).toBeDefined();
    expect(personal.scopes).toEqual(['personal']);
    expect(personal.contentUrl).toMatch(/^https:\/\/\$\{\{BOT_DOMAIN\}\}\/tab\//);
    expect(manifest.configurableTabs).toHaveLength(1);
    expect(manifest.configurableTabs[0].scopes).toEqual(['team']);
    expect(manifest.configurableTabs[0].configurationUrl).toMatch(/^https:\/\/\$\{\{BOT_DOMAIN\}\}\/tab\//);
    expect(manifest.validDomains).toEqual(['${{BOT_DOMAIN}}']);
    expect(manifest.webApplicationInfo).toEqual({ id: '${{AAD_APP_CLIENT_ID}}', resource: 'api://${{BOT_DOMAIN}}/${{AAD_APP_CLIENT_ID}}' });
  });

  it('has a 192x192 colour icon and a 32x32 outline icon in white on transparent', () => {
    const color = parsePng(readFileSync(join(ROOT, 'appPackage', manifest.icons.color)));
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = parsePng(readFileSync(join(ROOT, 'appPackage', manifest.icons.outline)));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    const pixels = decodeRgba(outline);
    let opaque = 0;
    let transparent = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const alpha = pixels[i + 3]!;
      if (alpha > 0) {
        expect([pixels[i], pixels[i + 1], pixels[i + 2]]).toEqual([255, 255, 255]);
        if (alpha === 255) opaque++;
      } else transparent++;
    }
    expect(opaque).toBeGreaterThan(100); // a visible shape...
    expect(transparent).toBeGreaterThan(100); // ...on a transparent background
  });

  it('icons are the ones scripts/make-icons.js draws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-icons-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'make-icons.js'), dir], { stdio: 'pipe' });
      for (const icon of [manifest.icons.color, manifest.icons.outline]) {
        const drawn = decodeRgba(parsePng(readFileSync(join(dir, icon))));
        const committed = decodeRgba(parsePng(readFileSync(join(ROOT, 'appPackage', icon))));
        expect(drawn.equals(committed)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Teams toolkit files', () => {
  it.each(PROJECTS.map((p) => [p.yml, p] as const))('%s uses only actions of the toolkit', (_name, project) => {
    const steps = walk(project).steps;
    expect(steps.length).toBeGreaterThan(0);
    const unknown = steps.map((s) => s.action.uses).filter((uses) => !KNOWN_ACTIONS.has(uses));
    expect(unknown).toEqual([]);
  });

  it.each(PROJECTS.map((p) => [p.yml, p] as const))('%s: every ${{VAR}} a step needs is produced before it', (_name, project) => {
    const problems: string[] = [];
    for (const step of walk(project).steps) {
      const missing = step.needs.filter((name) => !step.available.has(name));
      if (missing.length > 0) problems.push(`${step.stage}: ${step.action.uses} needs ${missing.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it.each(PROJECTS.map((p) => [p.yml, p] as const))('%s: every placeholder of the app manifest is produced by the toolkit files', (_name, project) => {
    const { steps, producers } = walk(project);
    const zipStep = steps.find((s) => s.action.uses === 'teamsApp/zipAppPackage' && s.stage === 'provision');
    expect(zipStep).toBeDefined();
    const origin = Object.fromEntries(placeholdersIn(read('appPackage/manifest.json')).map((name) => [name, zipStep!.available.has(name) ? producers.get(name) : 'NOTHING']));
    expect(Object.values(origin)).not.toContain('NOTHING');
    if (project.env === 'dev') {
      // In Azure the bot's id and domain come from the Bicep deployment, the rest from actions.
      expect(origin).toEqual({
        AAD_APP_CLIENT_ID: 'provision: aadApp/create',
        APP_NAME_SUFFIX: 'env/.env.dev',
        BOT_DOMAIN: 'provision: arm/deploy',
        BOT_ID: 'provision: arm/deploy',
        TEAMS_APP_ID: 'provision: teamsApp/create',
      });
    }
  });

  it.each([
    ['teamsapp.yml', 'dev'],
    ['teamsapp.local.yml', 'local'],
  ])('env files list what %s writes (plain in env/.env.%s, secrets in the .user sample)', (yml, env) => {
    const project = PROJECTS.find((p) => p.yml === yml)!;
    const steps = walk(project).steps;
    const written = new Set(steps.flatMap((s) => s.writes));
    if (steps.some((s) => s.action.uses === 'arm/deploy')) for (const o of bicepOutputs('infra/azure.bicep')) written.add(o);
    const template = envFile(`env/.env.${env}`);
    const sample = envFile(`env/.env.${env}.user.sample`);
    const unlisted = [...written].filter((name) => (name.startsWith('SECRET_') ? !sample.has(name) : !template.has(name)));
    expect(unlisted).toEqual([]);
    // No secret in the committed files, and every value of the samples left empty.
    expect([...template.keys()].filter((k) => k.startsWith('SECRET_'))).toEqual([]);
    expect([...sample].filter(([k, v]) => !k.startsWith('SECRET_') || v !== '')).toEqual([]);
  });

  it('m365agents.yml has the same steps as teamsapp.yml', () => {
    const steps = (path: string): string[] =>
      read(path)
        .split(/\r?\n/)
        .map(stripComment)
        .filter((l) => l.trim() !== '');
    expect(steps('m365agents.yml')).toEqual(steps('teamsapp.yml'));
  });

  it('pins a Bicep CLI that compiles infra/azure.bicep (cidrSubnet needs Bicep 0.17 or later)', () => {
    const bicep = read('infra/azure.bicep');
    for (const yml of ['teamsapp.yml', 'm365agents.yml']) {
      const arm = parseStage(read(yml), 'provision').find((a) => a.uses === 'arm/deploy')!;
      const version = arm.with['bicepCliVersion'];
      // Unpinned: the toolkit uses the bicep on PATH, which the deploy guide asks to check.
      if (version === undefined) continue;
      expect(version).toMatch(/^v\d+\.\d+\.\d+$/);
      const pinned = /^v(\d+)\.(\d+)\./.exec(version)!;
      const [major, minor] = [Number(pinned[1]), Number(pinned[2])];
      const atLeast = (m: number, n: number): boolean => major > m || (major === m && minor >= n);
      // The CIDR functions arrived in Bicep 0.17 (an older CLI fails with BCP057).
      if (/\bcidrSubnet\(/.test(bicep)) expect({ yml, version: arm.with['bicepCliVersion'], compiles: atLeast(0, 17) }).toEqual({ yml, version: arm.with['bicepCliVersion'], compiles: true });
    }
  });

  it('installs dependencies with a command that accepts this lock file (npm ci refuses one missing optional binaries)', () => {
    const lock = readJson('package-lock.json') as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
    const resolves = (from: string, dep: string): boolean => {
      for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
        if (`${dir ? `${dir}/` : ''}node_modules/${dep}` in lock.packages) return true;
        if (!dir) return false;
      }
    };
    const missingOptional = Object.entries(lock.packages).flatMap(([path, info]) => Object.keys(info.optionalDependencies ?? {}).filter((dep) => !resolves(path, dep)));
    for (const yml of ['teamsapp.yml', 'm365agents.yml', 'teamsapp.local.yml']) {
      const installs = parseStage(read(yml), 'deploy')
        .filter((a) => a.uses === 'cli/runNpmCommand')
        .map((a) => a.with['args']!.split(/\s+/)[0]);
      if (missingOptional.length > 0) expect({ yml, installs }).toEqual({ yml, installs: expect.not.arrayContaining(['ci']) });
    }
  });

  it('provisions with the actions the design asks for, in an order that works', () => {
    const uses = (yml: string, stage: string): string[] => parseStage(read(yml), stage).map((a) => a.uses);
    const provision = uses('teamsapp.yml', 'provision');
    expect(provision).toEqual([
      'teamsApp/create',
      'aadApp/create',
      'arm/deploy',
      'aadApp/update',
      'teamsApp/validateManifest',
      'teamsApp/zipAppPackage',
      'teamsApp/validateAppPackage',
      'teamsApp/update',
    ]);
    expect(uses('teamsapp.yml', 'deploy')).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    expect(uses('teamsapp.yml', 'publish')).toContain('teamsApp/publishAppPackage');
    expect(uses('teamsapp.local.yml', 'provision')).toEqual(expect.arrayContaining(['botFramework/create', 'aadApp/update']));
    const aadUpdate = parseStage(read('teamsapp.yml'), 'provision').find((a) => a.uses === 'aadApp/update')!;
    expect(aadUpdate.with['manifestPath']).toBe('./aad.manifest.json');
  });
});

describe('aad.manifest.json and docs/permissions.md', () => {
  const aad = readJson('aad.manifest.json');
  const docs = read('docs/permissions.md');
  const GRAPH = '00000003-0000-0000-c000-000000000000';
  /** Microsoft Graph application permissions (app roles) of the default Entra app. */
  const GRAPH_ROLES: Record<string, string> = {
    'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
    'Files.Read.All': '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
    'Sites.Read.All': '332a536c-c7ef-4017-ab91-336970924f0d',
    'EduRoster.Read.All': 'e0ac9e1b-cb65-4fc5-87c5-1a8bc181f648',
    'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    'TeamsAppInstallation.ReadWriteForUser.All': '74ef0291-ca83-4d02-8c7e-d2391e6a444f',
    'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  };
  const FILES_READWRITE_ALL = '75359482-378d-4052-8f01-80520e7db3cd';
  const TEAMS_CLIENTS = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'];

  it('exposes access_as_user on api://BOT_DOMAIN/AAD_APP_CLIENT_ID, pre-authorised for the Teams clients', () => {
    expect(aad.identifierUris).toEqual(['api://${{BOT_DOMAIN}}/${{AAD_APP_CLIENT_ID}}']);
    expect(aad.appId).toBe('${{AAD_APP_CLIENT_ID}}');
    const scope = aad.oauth2Permissions.find((p: { value: string }) => p.value === 'access_as_user');
    expect(scope).toMatchObject({ type: 'User', isEnabled: true, id: '${{AAD_APP_ACCESS_AS_USER_PERMISSION_ID}}' });
    expect(aad.preAuthorizedApplications.map((a: { appId: string }) => a.appId).sort()).toEqual([...TEAMS_CLIENTS].sort());
    for (const client of aad.preAuthorizedApplications) expect(client.permissionIds).toEqual([scope.id]);
  });

  it('requests exactly the Graph application permissions the product uses, and cannot write files', () => {
    expect(aad.requiredResourceAccess).toHaveLength(1);
    const graph = aad.requiredResourceAccess[0];
    expect(graph.resourceAppId).toBe(GRAPH);
    expect(graph.resourceAccess.every((r: { type: string }) => r.type === 'Role')).toBe(true);
    expect(graph.resourceAccess.map((r: { id: string }) => r.id).sort()).toEqual(Object.values(GRAPH_ROLES).sort());
    expect(JSON.stringify(aad)).not.toContain(FILES_READWRITE_ALL);
  });

  it('explains every permission, with its id, and how to add Files.ReadWrite.All for remediation', () => {
    for (const [name, id] of Object.entries(GRAPH_ROLES)) {
      expect(docs).toContain(`\`${name}\``);
      expect(docs).toContain(id);
    }
    for (const rsc of readJson('appPackage/manifest.json').authorization.permissions.resourceSpecific) expect(docs).toContain(`\`${rsc.name}\``);
    for (const client of TEAMS_CLIENTS) expect(docs).toContain(client);
    expect(docs).toContain('`Files.ReadWrite.All`');
    expect(docs).toContain(FILES_READWRITE_ALL);
  });
});

describe('infra', () => {
  const bicep = read('infra/azure.bicep');
  const bot = read('infra/botRegistration/azurebot.bicep');
  const parameters = readJson('infra/azure.parameters.json').parameters as Record<string, { value: unknown }>;

  /** Parameters of a Bicep file: name, whether it has a default, whether it is @secure(). */
  function bicepParams(text: string): { name: string; hasDefault: boolean; secure: boolean }[] {
    const lines = text.split(/\r?\n/);
    return lines.flatMap((line, i) => {
      const m = /^param\s+([A-Za-z0-9_]+)\s+\S+(\s*=.*)?$/.exec(line);
      if (!m) return [];
      let j = i - 1;
      let secure = false;
      while (j >= 0 && (/^@/.test(lines[j]!) || /^\s+'/.test(lines[j]!) || /^\]\)/.test(lines[j]!))) {
        if (/^@secure\(\)/.test(lines[j]!)) secure = true;
        j--;
      }
      return [{ name: m[1]!, hasDefault: Boolean(m[2]), secure }];
    });
  }

  it('parameters file and azure.bicep agree; secrets come only from SECRET_ variables', () => {
    const params = bicepParams(bicep);
    const names = new Set(params.map((p) => p.name));
    expect(Object.keys(parameters).filter((k) => !names.has(k))).toEqual([]);
    expect(params.filter((p) => !p.hasDefault && !(p.name in parameters)).map((p) => p.name)).toEqual([]);
    for (const p of params.filter((x) => x.secure)) {
      expect(parameters[p.name]?.value).toMatch(/^\$\{\{SECRET_[A-Z0-9_]+\}\}$/);
    }
    expect(params.filter((p) => p.secure).map((p) => p.name).sort()).toEqual(['aadAppClientSecret', 'encryptionKeys', 'postgresAdminPassword', 'postgresAppPassword']);
  });

  it('Bicep files are balanced (a cheap syntax check: no Bicep compiler offline)', () => {
    const pairs: Record<string, string> = { '}': '{', ']': '[', ')': '(' };
    for (const text of [bicep, bot]) {
      const stack: string[] = [];
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (inString) {
          if (ch === '\\') i++;
          else if (ch === "'") inString = false;
        } else if (ch === "'") inString = true;
        else if (ch === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
        else if (ch === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 1;
        else if ('{[('.includes(ch)) stack.push(ch);
        else if (ch in pairs) expect(stack.pop()).toBe(pairs[ch]);
      }
      expect(inString).toBe(false);
      expect(stack).toEqual([]);
    }
  });

  it('runs Node 20 LTS as the bot\'s managed identity, with the settings the app reads', () => {
    expect(bicep).toContain("linuxFxVersion: 'NODE|20-lts'");
    expect(bicep).toMatch(/resource identity 'Microsoft\.ManagedIdentity\/userAssignedIdentities@/);
    expect(bicep).toMatch(/type: 'UserAssigned'/);
    expect(bicep).toMatch(/enableRbacAuthorization: true/);
    expect(bicep).toMatch(/'Microsoft\.DBforPostgreSQL\/flexibleServers@/);
    expect(bicep).toMatch(/'Microsoft\.Insights\/components@/);
    const setting = (name: string): string | undefined => new RegExp(`name: '${name}'\\s*\\n\\s*value: ([^\\n]+)`).exec(bicep)?.[1];
    expect(setting('BOT_ID')).toBe('identity.properties.clientId');
    expect(setting('BOT_TENANT_ID')).toBe('identity.properties.tenantId');
    expect(setting('BOT_TYPE')).toBe("'UserAssignedMSI'");
    expect(setting('DATABASE_URL')).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
    expect(setting('ENCRYPTION_KEYS')).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
    expect(setting('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe('appInsights.properties.ConnectionString');
    expect(bot).toContain("msaAppType: 'UserAssignedMSI'");
    expect(bot).toContain("channelName: 'MsTeamsChannel'");
    expect(bicepOutputs('infra/azure.bicep')).toEqual(expect.arrayContaining(['BOT_ID', 'BOT_DOMAIN', 'BOT_TENANT_ID', 'AZURE_APP_SERVICE_RESOURCE_ID']));
  });
});

describe('scripts/package-app.js', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jigsaw-package-'));
    mkdirSync(join(dir, 'env'));
    const { TEAMSFX_ENV: _env, AAD_APP_CLIENT_ID, ...plain } = SAMPLE_VALUES;
    writeFileSync(join(dir, 'env', '.env.ci'), Object.entries(plain).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    writeFileSync(join(dir, 'env', '.env.ci.user'), `AAD_APP_CLIENT_ID="${AAD_APP_CLIENT_ID}"\n`);
    writeFileSync(join(dir, 'env', '.env.bare'), 'APP_NAME_SUFFIX=-bare\nBOT_ID=\n');
    // Production: no name suffix, which is allowed to be empty.
    writeFileSync(join(dir, 'env', '.env.prod'), Object.entries({ ...plain, APP_NAME_SUFFIX: '' }).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    writeFileSync(join(dir, 'env', '.env.prod.user'), `AAD_APP_CLIENT_ID=${AAD_APP_CLIENT_ID}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('zips the filled-in manifest and both icons, and the result is valid', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'package-app.js'), 'ci', '--env-dir', join(dir, 'env'), '--out-dir', join(dir, 'out')], { stdio: 'pipe' });
    const entries = readZip(readFileSync(join(dir, 'out', 'appPackage.ci.zip')));
    expect([...entries.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifestText = entries.get('manifest.json')!.toString('utf8');
    expect(manifestText).not.toContain('${{');
    const manifest = JSON.parse(manifestText);
    expect(manifest.bots[0].botId).toBe(SAMPLE_VALUES['BOT_ID']);
    expect(manifest.webApplicationInfo.id).toBe(SAMPLE_VALUES['AAD_APP_CLIENT_ID']); // from the .user file
    const validate = compileTeamsSchema(manifest.manifestVersion);
    validate(manifest);
    expect(describeErrors(validate)).toEqual([]);
    expect(entries.get('color.png')!.equals(readFileSync(join(ROOT, 'appPackage', 'color.png')))).toBe(true);
    expect(entries.get('outline.png')!.equals(readFileSync(join(ROOT, 'appPackage', 'outline.png')))).toBe(true);
  });

  it('allows an empty APP_NAME_SUFFIX (production)', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'package-app.js'), 'prod', '--env-dir', join(dir, 'env'), '--out-dir', join(dir, 'out')], { stdio: 'pipe' });
    const manifest = JSON.parse(readZip(readFileSync(join(dir, 'out', 'appPackage.prod.zip'))).get('manifest.json')!.toString('utf8'));
    expect(manifest.name.short).toBe('Jigsaw');
  });

  it('refuses to build when a placeholder has no value, and names it', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package-app.js'), 'bare', '--env-dir', join(dir, 'env'), '--out-dir', join(dir, 'out')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN', 'AAD_APP_CLIENT_ID']) expect(result.stderr).toContain(name);
    expect(existsSync(join(dir, 'out', 'appPackage.bare.zip'))).toBe(false);
  });
});
