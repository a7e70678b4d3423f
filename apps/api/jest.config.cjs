// Jest runs the API's specs (unit, beside the code) and e2e specs (test/) as ES modules, like
// the API itself (ts-jest's ESM mode; Jest needs Node's --experimental-vm-modules for that).
// Workspace packages are mapped to their TypeScript sources so tests never need a stale build.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', useESM: true }],
  },
  moduleNameMapper: {
    '^@portcullis/shared$': '<rootDir>/../../packages/shared/src/index.ts',
    '^@portcullis/emulators/testing$': '<rootDir>/../../packages/emulators/src/testing.ts',
    '^@portcullis/emulators$': '<rootDir>/../../packages/emulators/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['<rootDir>/test/esm-preload.ts'],
  // The e2e specs mostly wait on sockets and timers (emulators, Redis), so one worker per
  // core rather than Jest's default of one fewer: on a 2-core machine that halves the run.
  maxWorkers: '100%',
  testTimeout: 30000,
};
