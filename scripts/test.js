#!/usr/bin/env node
// `npm test`: type-check, then every unit and integration test (integration on embedded PGlite,
// and again on PostgreSQL when DATABASE_URL is set), then the end-to-end tests through the
// Teams Playground in Debian's Chromium when it is installed (CI installs it and sets
// JIGSAW_E2E=1, which makes a missing browser an error instead of a notice).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const node = process.execPath;
const { join } = require('node:path');
const jest = join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);

function run(label, args, env = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(node, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    process.stdout.write(`\n${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status || 1);
  }
}

run('type-check', [join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit']);
run('type-check (tab)', [join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join('src', 'tab', 'tsconfig.json')]);
run(`unit and integration tests (${process.env.DATABASE_URL ? 'PGlite and PostgreSQL' : 'PGlite; set DATABASE_URL to also run on PostgreSQL'})`, [
  '--experimental-vm-modules', jest, '--ci', ...extra,
], { JIGSAW_E2E: '' }); // the browser tests run on their own below, one at a time

const chromium = process.env.JIGSAW_CHROMIUM_PATH || '/usr/lib/chromium/chromium';
if (existsSync(chromium) || process.env.JIGSAW_E2E === '1') {
  run('end-to-end tests (Teams Playground in Chromium)', ['--experimental-vm-modules', jest, '--ci', '--selectProjects', 'e2e', '--runInBand'], { JIGSAW_E2E: '1' });
} else {
  process.stdout.write(`\nEnd-to-end tests not run: Chromium is not installed (apt-get install -y chromium). CI runs them.\n`);
}
