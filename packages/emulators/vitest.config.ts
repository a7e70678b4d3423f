import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // CI must never run a focused subset.
    allowOnly: !process.env.CI,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
