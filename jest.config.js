// Two kinds of test: `unit` (pure, fast) and `integration` (store, bot turns, fakes, HTTP).
// Integration tests run on embedded PGlite always, and again on a PostgreSQL server when
// DATABASE_URL is set. End-to-end tests (the Playground UI in Chromium) run with `npm run test:e2e`.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const moduleNameMapper = { '^adaptivecards$': '<rootDir>/node_modules/adaptivecards/dist/adaptivecards.min.js' };
const common = { transform, moduleNameMapper, testEnvironment: 'node', roots: ['<rootDir>/src', '<rootDir>/test'] };

const projects = [
  { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'] },
  {
    ...common,
    displayName: 'integration-pglite',
    testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    setupFiles: ['<rootDir>/test/support/use-pglite.js'],
  },
];
if (process.env.DATABASE_URL) {
  projects.push({
    ...common,
    displayName: 'integration-postgres',
    testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    setupFiles: ['<rootDir>/test/support/use-postgres.js'],
  });
}
if (process.env.JIGSAW_E2E === '1') {
  projects.push({ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] });
}

module.exports = { projects, testTimeout: 60_000 };
