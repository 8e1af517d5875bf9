/**
 * Builds what `npm start` runs, so browser tests work on a clean clone:
 * libs and apps (scripts/build.mjs) and the editor (vite build of web/).
 */
const { execFileSync } = require('node:child_process');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..', '..');

module.exports = async () => {
  const started = Date.now();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const viteManifest = require.resolve('vite/package.json', { paths: [join(root, 'web')] });
  const viteBin = join(dirname(viteManifest), require(viteManifest).bin.vite);
  execFileSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: join(root, 'web'), stdio: 'inherit' });
  process.stdout.write(`browser setup: built apps and editor in ${Date.now() - started} ms\n`);
};
