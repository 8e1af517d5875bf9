// `npm start` / `npm run start:api` / `npm run start:worker`: runs the built
// app (apps/<app>/dist/main.js) in this very process, so SIGINT and SIGTERM
// reach its shutdown handlers (the npm scripts `exec` node, so a signal sent to
// npm reaches it too).
//
// Start builds nothing and writes nothing: `npm ci` builds (the root `prepare`
// script), and so does `npm run build`. An API and any number of workers
// started at once from one checkout therefore only read it. Start checks that
// each output it runs (the libraries, the app and, for the API serving
// web/dist, the editor) carries the stamp of the sources now in the checkout;
// when one is missing or older it exits 1 with one line naming `npm run build`,
// rather than run code that does not match the sources.
//   node scripts/start.mjs [api|worker]
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packages, staleOutputs, WEB } from './build.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const app = process.argv[2] ?? 'api';
if (app !== 'api' && app !== 'worker') {
  process.stderr.write(`usage: node scripts/start.mjs [api|worker] (got ${app})\n`);
  process.exit(2);
}

const other = app === 'api' ? 'apps/worker' : 'apps/api';
const needed = packages.filter((pkg) => pkg !== other);
// An editor build somewhere else (SLUICE_WEB_DIR) is the operator's business; only web/dist is checked.
const webDir = process.env.SLUICE_WEB_DIR ? resolve(process.env.SLUICE_WEB_DIR) : join(root, WEB, 'dist');
if (app === 'api' && webDir === join(root, WEB, 'dist')) needed.push(WEB);

const stale = await staleOutputs(needed);
if (stale.length > 0) {
  process.stderr.write(`Sluice is not built from these sources: ${stale.join(', ')}; run \`npm run build\` first\n`);
  process.exit(1);
}
await import(pathToFileURL(join(root, 'apps', app, 'dist', 'main.js')).href);
