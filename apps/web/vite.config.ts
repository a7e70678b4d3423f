import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// In development Vite serves the SPA on :5173 and proxies /api to the API, so the browser
// sees one origin and the session cookie stays first-party, exactly as in production.
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    host: '127.0.0.1',
    proxy: {
      '/api': {
        target: process.env.PORTCULLIS_API_URL ?? 'http://127.0.0.1:3000',
        changeOrigin: false,
      },
    },
  },
  // Every browser the SPA supports has modulepreload: no polyfill shipped.
  build: {
    outDir: 'dist',
    // Source maps are written for debugging but not referenced, and the API does not serve them.
    sourcemap: 'hidden',
    modulePreload: false,
    rolldownOptions: {
      output: {
        // Everything the entry needs in one chunk: one request, and gzip compresses the
        // libraries and the app together (about 1.7 kB less than rolldown's default split).
        // The pages stay in their own lazily loaded chunks.
        codeSplitting: {
          groups: [{ name: 'app', tags: ['$initial'] }],
        },
      },
    },
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}', 'src/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    setupFiles: ['test/setup.ts'],
    allowOnly: !process.env.CI,
  },
});
