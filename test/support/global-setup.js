/**
 * Brings the build up to date (scripts/build.mjs rebuilds only outputs whose
 * sources changed): the process tests run apps/<app>/dist/main.js, and
 * `npm start`, which they also run, refuses a build older than the sources.
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
};
