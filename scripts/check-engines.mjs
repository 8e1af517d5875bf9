// `npm test` runs this first: every package the lockfile installs must accept
// the Node that package.json's `engines.node` promises (its lowest version, and
// the Node running this check), as npm's own engine check reads `engines.node`.
// A production package never gets an exception. A dev-only tool that declares
// a newer Node but works here may be named in DEV_ONLY_ALLOWED with its reason.
// Exits 1 listing the offenders and what pulls each in.
//   node scripts/check-engines.mjs
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Dev-only packages (never reached from `dependencies`) that may declare a
 * newer Node than Sluice promises, each with why it is fine here. A package
 * listed here still fails if the production tree comes to depend on it.
 */
const DEV_ONLY_ALLOWED = {
  fauxqs:
    'the SQS/SNS emulator the SQS suites start: declares Node >= 22.5; its SQS and SNS APIs work on Node 20, and the one module it needs from Node 22 (node:sqlite, for on-disk persistence the tests never turn on) is answered by test/support/fauxqs/sqlite-absent.mjs',
  cookie:
    "only cookie 2 under light-my-request (fastify's inject, pulled in by fauxqs): declares Node >= 22 and is never called by the emulator",
};

let semver;
try {
  semver = (await import('semver')).default;
} catch {
  process.stderr.write('check-engines: the semver package is missing; run `npm ci`\n');
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const promised = manifest.engines?.node;
if (!promised || !semver.validRange(promised)) {
  process.stderr.write(`check-engines: package.json needs a valid engines.node (got ${JSON.stringify(promised)})\n`);
  process.exit(1);
}
const lowest = semver.minVersion(promised).version;
const nodes = [lowest];
if (semver.satisfies(process.versions.node, promised) && process.versions.node !== lowest) nodes.push(process.versions.node);

/** The package's own name: the last `node_modules/` segment of its lockfile path. */
const nameOf = (path, entry) => entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** engines.node from the installed manifest when there is one (what npm checks), else from the lockfile. */
function enginesOf(path, entry) {
  const installed = join(root, path, 'package.json');
  if (path && existsSync(installed)) {
    try {
      return JSON.parse(readFileSync(installed, 'utf8')).engines?.node;
    } catch {
      // unreadable manifest: fall back to the lockfile
    }
  }
  return entry.engines?.node;
}

const dependents = new Map();
for (const [path, entry] of Object.entries(lockfile.packages)) {
  const from = path === '' ? manifest.name : nameOf(path, entry);
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']) {
    for (const name of Object.keys(entry[field] ?? {})) {
      if (!dependents.has(name)) dependents.set(name, new Set());
      dependents.get(name).add(from);
    }
  }
}

const offenders = [];
const allowed = new Set();
const offending = new Set();
let checked = 0;
for (const [path, entry] of Object.entries(lockfile.packages)) {
  if (path === '' || entry.link) continue;
  checked++;
  const range = enginesOf(path, entry);
  if (!range) continue;
  // npm's EBADENGINE check: satisfies with prereleases included; a range it cannot parse fails.
  const refused = nodes.filter((node) => !semver.satisfies(node, range, { includePrerelease: true }));
  if (refused.length === 0) continue;
  const name = nameOf(path, entry);
  // `dev` is set only on packages no `dependencies` chain reaches (devOptional ones can install with --omit=dev).
  const devOnly = entry.dev === true;
  if (devOnly && Object.hasOwn(DEV_ONLY_ALLOWED, name)) {
    allowed.add(name);
    continue;
  }
  offending.add(name);
  const by = [...(dependents.get(name) ?? [])].sort().join(', ') || 'nothing in the lockfile';
  offenders.push(`  ${path} ${entry.version ?? ''} (${devOnly ? 'dev only' : 'production'}): engines.node ${JSON.stringify(range)} refuses Node ${refused.join(' and ')}; required by ${by}`);
}

for (const name of Object.keys(DEV_ONLY_ALLOWED).filter((name) => !allowed.has(name) && !offending.has(name))) {
  process.stdout.write(`check-engines: ${name} is allowed but no longer needs to be (not installed, or it accepts Node ${nodes.join(' and ')}); remove it from DEV_ONLY_ALLOWED\n`);
}
if (offenders.length > 0) {
  process.stderr.write(`check-engines: package.json promises Node ${promised}, but ${offenders.length} package(s) refuse it:\n${offenders.join('\n')}\n`
    + 'Pick versions that accept it (an `overrides` entry for a transitive one), or, for a dev-only tool that works here, add it to DEV_ONLY_ALLOWED in scripts/check-engines.mjs with the reason.\n');
  process.exit(1);
}
process.stdout.write(`check-engines: all ${checked} installed packages accept Node ${promised} (checked ${nodes.join(' and ')})${allowed.size > 0 ? `; allowed dev-only: ${[...allowed].join(', ')}` : ''}\n`);
