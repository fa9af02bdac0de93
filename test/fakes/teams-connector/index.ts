// Public entry point of the Teams connector fake (see README.md).
export * from './teams-connector-fake';
export * from './fake-state';
export * from './rate-limiter';
