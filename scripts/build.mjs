// `npm run build`, and `npm ci` through the root `prepare` script: compiles
// every library and app from src/ to dist/ with swc (no type check; `npm run
// typecheck` does that), and the editor (web/) to web/dist with Vite.
// Workspace symlinks resolve @sluice/* to each package's dist/index.js at run
// time.
//
// Each output is written to a temporary folder beside it, stamped, and renamed
// into place. A process starting from the checkout finds the previous output
// or the new one, never a half-written one, and two builds at once never
// delete each other's files. The stamp (dist/.build-stamp.json) holds a hash
// of the sources the output was built from: scripts/start.mjs compares it with
// the sources and builds nothing itself. An output whose stamp matches its
// sources and toolchain is left alone.
//
//   node scripts/build.mjs [--force] [target ...]    targets: libs/engine, apps/api, web, … (default: all)
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Compiled with swc, in this order of dependency (they build in parallel: swc needs no types). */
export const packages = ['libs/contracts', 'libs/config', 'libs/engine', 'libs/store', 'libs/broker', 'libs/runtime', 'libs/platform', 'apps/worker', 'apps/api'];
/** The editor, bundled by Vite from web/ and the libraries web/vite.config.ts points into. */
export const WEB = 'web';

/** Written into each output folder; compared by scripts/start.mjs. */
export const STAMP = '.build-stamp.json';
/** Bump when the way outputs are produced changes, so every stamp goes stale. */
const RECIPE = 1;
const TEMP_PREFIX = '.dist-build-';
const OLD_PREFIX = '.dist-old-';

const swcOptions = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
};

async function filesUnder(dir, keep) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const files = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...await filesUnder(path, keep));
    else if (keep(entry.name)) files.push(path);
  }
  return files.sort();
}

/** Sources compiled into dist: not specs, their shared fixtures (`*.spec-support.ts`) or declarations. */
const isCompiledSource = (name) => name.endsWith('.ts') && !/\.(spec|spec-support|d)\.ts$/.test(name);
const isBundledSource = (name) => !/\.spec\.tsx?$/.test(name);

/** The libraries the editor bundles from source: every `../libs/<name>` web/vite.config.ts mentions. */
function webLibraries() {
  const config = readFileSync(join(root, WEB, 'vite.config.ts'), 'utf8');
  return [...new Set([...config.matchAll(/\.\.\/libs\/([\w-]+)/g)].map((match) => match[1]))].sort();
}

/** Every file the target's output is made from, sorted. */
async function inputsOf(target) {
  if (target !== WEB) return filesUnder(join(root, target, 'src'), isCompiledSource);
  const web = join(root, WEB);
  const own = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((name) => join(web, name));
  const trees = [join(web, 'src'), join(web, 'public'), ...webLibraries().map((name) => join(root, 'libs', name, 'src'))];
  const files = [...own];
  for (const tree of trees) files.push(...await filesUnder(tree, isBundledSource));
  return files;
}

/** Reads the inputs once: their contents (what gets compiled) and the hash the stamp records. */
async function readInputs(target) {
  const files = await inputsOf(target);
  const hash = createHash('sha256');
  const contents = new Map();
  for (const file of files) {
    const content = await readFile(file);
    contents.set(file, content);
    hash.update(relative(root, file)).update('\0').update(content).update('\0');
  }
  return { contents, sources: hash.digest('hex') };
}

function versionOf(name, from) {
  try {
    const require = createRequire(join(from, 'package.json'));
    return require(`${name}/package.json`).version;
  } catch {
    return undefined;
  }
}

/** What else shapes the output: the recipe, the compiler and, for the bundle, every installed dependency. */
function toolchainOf(target) {
  const parts = { recipe: RECIPE };
  if (target === WEB) {
    parts.vite = versionOf('vite', join(root, WEB));
    parts.lockfile = createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');
  } else {
    parts.swc = versionOf('@swc/core', root);
    parts.options = swcOptions;
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

async function readStamp(target) {
  try {
    return JSON.parse(await readFile(join(root, target, 'dist', STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Which of `targets` are not built from the sources now in the checkout, each
 * as `<target> (not built)` or `<target> (changed since the build)`. Reads only.
 */
export async function staleOutputs(targets) {
  const stale = [];
  for (const target of targets) {
    const stamp = await readStamp(target);
    if (!stamp) stale.push(`${target} (not built)`);
    else if (stamp.sources !== (await readInputs(target)).sources) stale.push(`${target} (changed since the build)`);
  }
  return stale;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Temporary folders left by a build that was killed (its pid is gone). */
async function removeLeftovers(parent) {
  for (const name of await readdir(parent).catch(() => [])) {
    const match = /^\.dist-(?:build|old)-(\d+)-/.exec(name);
    if (match && !isAlive(Number(match[1]))) await rm(join(parent, name), { recursive: true, force: true });
  }
}

const uniqueSuffix = () => `${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Renames the finished `temp` to `<dir>/dist`. A folder cannot be renamed over
 * a non-empty one, so the current dist is first renamed aside (and deleted);
 * if another build places its output in between, this one replaces it.
 */
async function renameIntoPlace(temp, out) {
  const aside = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(temp, out);
      break;
    } catch (error) {
      if ((error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') || attempt > 50) throw error;
    }
    const old = join(dirname(out), `${OLD_PREFIX}${uniqueSuffix()}`);
    try {
      await rename(out, old);
      aside.push(old);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  await Promise.all(aside.map((old) => rm(old, { recursive: true, force: true })));
}

async function compilePackage(target, contents, temp) {
  const { transform } = await import('@swc/core');
  const src = join(root, target, 'src');
  const out = join(root, target, 'dist');
  await Promise.all([...contents].map(async ([file, content]) => {
    const path = relative(src, file).replace(/\.ts$/, '.js');
    // Source maps point from the final place (dist/), not the temporary folder.
    const finalTarget = join(out, path);
    const { code, map } = await transform(content.toString('utf8'), {
      ...swcOptions,
      filename: file,
      sourceFileName: relative(dirname(finalTarget), file),
    });
    const written = join(temp, path);
    await mkdir(dirname(written), { recursive: true });
    await writeFile(written, `${code}\n//# sourceMappingURL=${basename(written)}.map\n`);
    if (map) await writeFile(`${written}.map`, map);
  }));
}

async function bundleWeb(temp) {
  const web = join(root, WEB);
  const require = createRequire(join(web, 'package.json'));
  const manifest = require('vite/package.json');
  const viteBin = join(dirname(require.resolve('vite/package.json')), typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.vite);
  // A child process, so the bundler's memory and threads are gone when it ends. The temporary folder sits
  // beside web/dist, at the same depth, so the source maps' relative paths stay right after the rename.
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--outDir', temp, '--emptyOutDir', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new Error(`vite build of web/ failed (exit ${code})`);
}

/** Builds `target` unless its stamp matches; returns whether it built. */
async function buildTarget(target, force) {
  const dir = join(root, target);
  const toolchain = toolchainOf(target);
  const { contents, sources } = await readInputs(target);
  const stamp = await readStamp(target);
  if (!force && stamp?.sources === sources && stamp.toolchain === toolchain) return false;

  await removeLeftovers(dir);
  const temp = join(dir, `${TEMP_PREFIX}${uniqueSuffix()}`);
  try {
    await mkdir(temp);
    if (target === WEB) await bundleWeb(temp);
    else await compilePackage(target, contents, temp);
    await writeFile(join(temp, STAMP), `${JSON.stringify({ sources, toolchain, builtAt: new Date().toISOString() }, null, 2)}\n`);
    await renameIntoPlace(temp, join(dir, 'dist'));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return true;
}

function missingBuildTools() {
  return ['@swc/core', 'vite'].filter((name) => !versionOf(name, name === 'vite' ? join(root, WEB) : root));
}

async function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const named = args.filter((arg) => !arg.startsWith('--'));
  const all = [...packages, WEB];
  const unknown = named.filter((target) => !all.includes(target));
  if (unknown.length > 0) {
    process.stderr.write(`scripts/build.mjs: unknown target ${unknown.join(', ')} (known: ${all.join(', ')})\n`);
    process.exit(2);
  }
  const missing = missingBuildTools();
  if (missing.length > 0) {
    // `npm ci --omit=dev` runs `prepare` too, without the compilers; such an install runs a build made elsewhere.
    if (process.env.npm_lifecycle_event === 'prepare') {
      process.stdout.write(`not building: ${missing.join(' and ')} not installed (dev dependencies omitted)\n`);
      return;
    }
    process.stderr.write(`scripts/build.mjs needs the dev dependencies (${missing.join(', ')} missing): run \`npm ci\` without --omit=dev\n`);
    process.exit(1);
  }

  const targets = named.length > 0 ? named : all;
  const started = Date.now();
  const results = await Promise.allSettled(targets.map((target) => buildTarget(target, force)));
  const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [`${targets[index]}: ${result.reason instanceof Error ? result.reason.stack ?? result.reason.message : String(result.reason)}`] : []));
  if (failed.length > 0) throw new Error(failed.join('\n'));
  const names = targets.filter((_, index) => results[index].value);
  const summary = names.length === 0 ? `build is current (${targets.length} outputs)` : `built ${names.join(', ')} (${targets.length - names.length} current)`;
  process.stdout.write(`${summary} in ${Date.now() - started} ms\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await main().catch((error) => {
    process.stderr.write(`build failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
