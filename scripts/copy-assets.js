// Copies what tsc does not: SQL migrations beside the compiled code (the tab is built by build-tab.js).
const { cpSync } = require('node:fs');
cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
