import { defineConfig } from 'vitest/config';

// Browser tests: Debian's Chromium against the built API and SPA, started by the tests on
// free ports (e2e/stack.ts). Run after `npm run build` (turbo's test:e2e depends on it).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    allowOnly: !process.env.CI,
  },
});
