/**
 * Builds what `npm start` runs, so browser tests work on a clean clone and
 * after any edit: libs and apps (swc) and the editor (Vite), each only when
 * its sources changed since its last build (scripts/build.mjs).
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const started = Date.now();
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  process.stdout.write(`browser setup: build checked in ${Date.now() - started} ms\n`);
};
