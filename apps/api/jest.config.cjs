// Jest runs the API's specs (unit, beside the code) and e2e specs (test/). Workspace
// packages are mapped to their TypeScript sources so tests never need a stale build.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleNameMapper: {
    '^@portcullis/shared$': '<rootDir>/../../packages/shared/src/index.ts',
    '^@portcullis/emulators$': '<rootDir>/../../packages/emulators/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30000,
};
