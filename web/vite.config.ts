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
    // The editor sees the engine through its browser entry only (light code, heavy parts behind
    // loaders that become their own chunks); the engine's index, with ajv and every node, stays out.
    alias: [
      { find: /^@sluice\/contracts$/, replacement: here('../libs/contracts/src/index.ts') },
      { find: /^@sluice\/engine\/browser$/, replacement: here('../libs/engine/src/browser.ts') },
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
