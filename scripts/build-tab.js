#!/usr/bin/env node
// Builds the tab (src/tab, React + Fluent UI) into static files in dist/tab: one bundled,
// minified script, its stylesheet and the page. The server serves them at /tab/*.
// Type-checking is separate (`npm run typecheck:tab`): esbuild only strips types.
const { build } = require('esbuild');
const { cpSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'tab');

async function main() {
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src', 'tab', 'main.tsx')],
    outfile: join(out, 'tab.js'),
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'edge110', 'safari15', 'firefox110'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    tsconfig: join(root, 'src', 'tab', 'tsconfig.json'),
  });
  cpSync(join(root, 'src', 'tab', 'index.html'), join(out, 'index.html'));
  cpSync(join(root, 'src', 'tab', 'tab.css'), join(out, 'tab.css'));
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stdout.write(`tab built: dist/tab (${Math.round(bytes / 1024)} KiB)\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
