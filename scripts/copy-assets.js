// Copies what tsc does not: SQL migrations (and, later, the built tab) beside the compiled code.
const { cpSync } = require('node:fs');
cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
