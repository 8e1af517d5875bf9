import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Where the dev server forwards `/api` and `/health`; override with SLUICE_API_URL (e.g. http://127.0.0.1:3300). */
const apiTarget = process.env['SLUICE_API_URL'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here('.'),
  plugins: [react()],
  resolve: {
    // Deep engine paths first: the browser imports single engine files (retry/backoff,
    // run/fold, …) so the engine's index, which pulls ajv and every node, stays out of the bundle.
    alias: [
      { find: /^@sluice\/engine\/(.+)$/, replacement: `${here('../libs/engine/src')}/$1` },
      { find: /^@sluice\/contracts$/, replacement: here('../libs/contracts/src/index.ts') },
      { find: /^@sluice\/engine$/, replacement: here('../libs/engine/src/index.ts') },
    ],
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/health': { target: apiTarget },
    },
  },
  preview: { host: '127.0.0.1' },
});
