// Compiles every library and app from src/ to dist/ with swc (no type check;
// `npm run typecheck` does that). Workspace symlinks resolve @sluice/* to
// each package's dist/index.js at run time.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['libs/contracts', 'libs/config', 'libs/engine', 'libs/store', 'libs/broker', 'libs/runtime', 'libs/platform', 'apps/worker', 'apps/api'];

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

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

async function buildPackage(pkg) {
  const src = join(root, pkg, 'src');
  const out = join(root, pkg, 'dist');
  await rm(out, { recursive: true, force: true });
  const jobs = [];
  for await (const file of sources(src)) {
    jobs.push((async () => {
      const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
      const { code, map } = await transformFile(file, { ...swcOptions, filename: file, sourceFileName: relative(dirname(target), file) });
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      if (map) await writeFile(`${target}.map`, map);
    })());
  }
  await Promise.all(jobs);
}

const started = Date.now();
await Promise.all(packages.map(buildPackage));
process.stdout.write(`built ${packages.length} packages in ${Date.now() - started} ms\n`);
