// `npm start` / `npm run start:api` / `npm run start:worker`.
// Compiles libs and apps (scripts/build.mjs), builds the editor when
// web/dist/index.html is missing (API only), then runs the app's main.js in
// this very process, so SIGINT and SIGTERM reach its shutdown handlers.
//   node scripts/start.mjs [api|worker]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = process.argv[2] ?? 'api';
if (app !== 'api' && app !== 'worker') {
  process.stderr.write(`usage: node scripts/start.mjs [api|worker] (got ${app})\n`);
  process.exit(2);
}

await import('./build.mjs');
if (app === 'api') await buildWebIfMissing();
await import(pathToFileURL(join(root, 'apps', app, 'dist', 'main.js')).href);

async function buildWebIfMissing() {
  const web = join(root, 'web');
  const served = process.env.SLUICE_WEB_DIR ? resolve(process.env.SLUICE_WEB_DIR) : join(web, 'dist');
  // An editor build somewhere else is the operator's business; only web/dist is built here.
  if (served !== join(web, 'dist') || existsSync(join(served, 'index.html'))) return;
  if (!existsSync(join(web, 'vite.config.ts'))) {
    process.stdout.write('web/dist is missing and web/vite.config.ts does not exist yet: starting without the editor\n');
    return;
  }
  let viteBin;
  try {
    const require = createRequire(join(web, 'package.json'));
    const manifest = require('vite/package.json');
    viteBin = join(dirname(require.resolve('vite/package.json')), typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.vite);
  } catch {
    process.stdout.write('web/dist is missing and vite is not installed: starting without the editor\n');
    return;
  }
  process.stdout.write('web/dist is missing: building the editor (vite build web)\n');
  const started = Date.now();
  // A child process, so the bundler's memory and threads are gone before the API starts.
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build'], { cwd: web, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) {
    // The API is still useful without the editor; `/` then says the UI isn't built.
    process.stderr.write(`vite build failed (exit ${code}): starting without the editor; fix web/ and run \`npm run build:web\`\n`);
    return;
  }
  process.stdout.write(`built the editor in ${Date.now() - started} ms\n`);
}
