#!/usr/bin/env node
// Builds the Teams app package for one environment, offline and with Node only:
//   appPackage/build/appPackage.<env>.zip   manifest.json + the two icons, at the zip's root
//   appPackage/build/manifest.<env>.json    the filled-in manifest, for inspection
// The ${{VAR}} placeholders of appPackage/manifest.json are filled from env/.env.<env> and then
// env/.env.<env>.user (the same files the Teams toolkit uses); a placeholder with no value
// stops the build with the list of what is missing.
//
// Usage: node scripts/package-app.js [env] [--env-dir DIR] [--out-dir DIR]
//   env        environment name (default: dev)
//   --env-dir  where the .env files are (default: env)
//   --out-dir  where to write (default: appPackage/build)
'use strict';

const { readFileSync, writeFileSync, existsSync, mkdirSync } = require('node:fs');
const { join, resolve, basename } = require('node:path');
const { deflateRawSync } = require('node:zlib');

const ROOT = resolve(__dirname, '..');
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

// ---- .env files --------------------------------------------------------------------------

/** Parses a dotenv file: KEY=VALUE lines, # comments, optional single or double quotes. */
function parseEnv(text) {
  const values = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^export\s+/, '');
    let value = line.slice(eq + 1).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    values[key] = value;
  }
  return values;
}

/** Values of one environment: env/.env.<env>, overridden by env/.env.<env>.user. */
function loadEnvironment(envDir, envName) {
  const main = join(envDir, `.env.${envName}`);
  if (!existsSync(main)) throw new Error(`no environment file ${main}`);
  const values = { TEAMSFX_ENV: envName, ...parseEnv(readFileSync(main, 'utf8')) };
  const user = join(envDir, `.env.${envName}.user`);
  if (existsSync(user)) Object.assign(values, parseEnv(readFileSync(user, 'utf8')));
  return values;
}

/** Placeholders that may be empty (the production environment has no name suffix). */
const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);

/** Replaces every ${{VAR}}; returns the text and the names that had no (or an empty) value. */
function fillPlaceholders(text, values) {
  const missing = new Set();
  const filled = text.replace(PLACEHOLDER, (match, name) => {
    const value = values[name];
    if (value === undefined || (value === '' && !MAY_BE_EMPTY.has(name))) {
      missing.add(name);
      return match;
    }
    // The manifest is JSON: escape the value as the inside of a JSON string.
    return JSON.stringify(String(value)).slice(1, -1);
  });
  return { text: filled, missing: [...missing].sort() };
}

// ---- A minimal zip writer (deflate, no zip64: Teams packages are tiny) --------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A fixed timestamp (2026-01-01 00:00) so that the same inputs give the same zip. */
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

/** @param {{ name: string, data: Buffer }[]} entries */
function createZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length; // keep whichever is smaller
    const body = stored ? data : deflated;
    const method = stored ? 0 : 8;
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // flags: names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42); // offset of the local header
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(entries.length, 8); // entries on this disk
  end.writeUInt16LE(entries.length, 10); // entries in total
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16); // where the central directory starts
  return Buffer.concat([...locals, centralDirectory, end]);
}

// ---- The package -------------------------------------------------------------------------

/**
 * Builds the package; returns the paths written. Throws with a readable message when a
 * placeholder has no value, the manifest is not JSON, or an icon is missing.
 */
function packageApp({ envName = 'dev', envDir = join(ROOT, 'env'), outDir = join(ROOT, 'appPackage', 'build'), appPackageDir = join(ROOT, 'appPackage') } = {}) {
  const values = loadEnvironment(envDir, envName);
  const template = readFileSync(join(appPackageDir, 'manifest.json'), 'utf8');
  const { text, missing } = fillPlaceholders(template, values);
  if (missing.length > 0) {
    throw new Error(
      `appPackage/manifest.json needs values for ${missing.join(', ')}: ` +
        `set them in ${join(envDir, `.env.${envName}`)} (or run the toolkit's provision, which writes them)`,
    );
  }
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new Error(`appPackage/manifest.json is not valid JSON after filling placeholders: ${error.message}`);
  }
  const iconNames = [manifest.icons && manifest.icons.color, manifest.icons && manifest.icons.outline];
  const entries = [{ name: 'manifest.json', data: Buffer.from(text, 'utf8') }];
  for (const icon of iconNames) {
    if (typeof icon !== 'string' || !icon) throw new Error('the manifest must name a color and an outline icon');
    const file = join(appPackageDir, icon);
    if (!existsSync(file)) throw new Error(`icon ${icon} not found in ${appPackageDir} (run: node scripts/make-icons.js)`);
    entries.push({ name: basename(icon), data: readFileSync(file) });
  }
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `appPackage.${envName}.zip`);
  const manifestPath = join(outDir, `manifest.${envName}.json`);
  writeFileSync(zipPath, createZip(entries));
  writeFileSync(manifestPath, text);
  return { zipPath, manifestPath };
}

function main(argv) {
  let envName = 'dev';
  let envDir;
  let outDir;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--env-dir') envDir = resolve(argv[++i]);
    else if (arg === '--out-dir') outDir = resolve(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/package-app.js [env] [--env-dir DIR] [--out-dir DIR]\n');
      return 0;
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else envName = arg;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(envName)) throw new Error(`bad environment name ${envName}`);
  const { zipPath } = packageApp({ envName, ...(envDir ? { envDir } : {}), ...(outDir ? { outDir } : {}) });
  process.stdout.write(`wrote ${zipPath}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`package-app: ${error.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { parseEnv, loadEnvironment, fillPlaceholders, createZip, crc32, packageApp };
