// `npm run bench:expressions` (also a phase of `npm run bench`): what the
// expression limits cost. Evaluations per second of typical flow expressions
// with the evaluator as it was before the limits (BENCH_EXPRESSIONS_BASELINE,
// a git revision) and as it is in the working tree, in one process,
// alternating rounds; then how long the known attacks take and how they end.
// Both evaluators are compiled from source with swc into a temporary
// directory, so no build is needed.
//
// Environment:
//   BENCH_EXPRESSIONS_BASELINE  git revision of the "before" evaluator (default b350e37)
//   BENCH_EXPRESSIONS_ROUNDS    alternating measurement rounds (default 5; the median is reported)
//   BENCH_EXPRESSIONS_MS        length of one measurement, in ms (default 400)
//   BENCH_EXPRESSIONS_ATTACKS   run the attacks too (default true)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from '@swc/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_DIR = 'libs/engine/src/expressions';
const BASELINE = process.env.BENCH_EXPRESSIONS_BASELINE ?? 'b350e37';
const ROUNDS = Number(process.env.BENCH_EXPRESSIONS_ROUNDS ?? 5);
const MEASURE_MS = Number(process.env.BENCH_EXPRESSIONS_MS ?? 400);
const RUN_ATTACKS = (process.env.BENCH_EXPRESSIONS_ATTACKS ?? 'true') !== 'false';

const requireFromRoot = createRequire(join(ROOT, 'package.json'));
let log = (line = '') => process.stdout.write(`${line}\n`);

/** The expressions the standard and typical flows run, against a typical order event. */
const TYPICAL = [
  ['standard filter', 'event.amount > 100'],
  ['standard transform', '{ "orderId": event.orderId, "amount": event.amount }'],
  ['sum of lines', '$sum(event.items.(price * quantity))'],
  ['condition on nested fields', 'event.customer.tier = "gold" and event.amount >= 50'],
  ['string building', '$uppercase(event.customer.name) & "-" & event.orderId'],
  ['shaped body', '{ "id": event.orderId, "lines": event.items.{ "sku": sku, "total": price * quantity }, "email": $lowercase(event.customer.email) }'],
  ['regex match', '$contains(event.customer.email, /@example\\.(com|org)$/)'],
  ['sort and map', '$sort(event.items, function($a, $b){ $a.price > $b.price }).sku'],
];
const EVENT = {
  orderId: 'ord-1042',
  amount: 250,
  currency: 'EUR',
  customer: { id: 'c-7', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold' },
  items: [
    { sku: 'A-1', price: 20, quantity: 2 },
    { sku: 'B-7', price: 45.5, quantity: 1 },
    { sku: 'C-3', price: 9.99, quantity: 10 },
  ],
};
const SCOPE = { event: EVENT, steps: { check: { ok: true } }, input: EVENT };

/** Heavier but legitimate work over a larger event: the cost of measuring every frame's result. */
const BULK_EVENT = { items: Array.from({ length: 2000 }, (_, i) => ({ sku: `S-${i}`, price: (i % 97) + 0.5, quantity: (i % 5) + 1, tags: ['a', 'b'] })) };
const BULK = [
  ['2,000 lines: filter and total', '$sum(event.items[price > 50].(price * quantity))'],
  ['2,000 lines: reshape', 'event.items.{ "sku": sku, "total": price * quantity }'],
  ['2,000 lines: order-by', '$count(event.items^(>price, sku))'],
  ['2,000 lines: group by', '$count($keys(event.items{ $string(quantity): $sum(price) }))'],
];
const BULK_SCOPE = { event: BULK_EVENT, steps: {}, input: BULK_EVENT };

const ATTACKS = [
  '$sort([1..100000])',
  '$distinct([1..100000])',
  '$match("aaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)',
  '[1..10000000]',
  '$pad("", 100000000)',
  '($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("a", 40))',
  '$replace($pad("", 100000, "a"), "a", $pad("", 1000, "b"))',
  '[1..1000].[[1..100000]]',
  '($f := function($v, $n){ $n = 0 ? $v : $f({"l": $v, "r": $v}, $n - 1) }; $string($f([1..1000], 30)))',
  '$toMillis($pad("", 3000, "a") & "1", "[MNn][FNn][MNn]")',
  '[1..100000]^($)',
  '$eval("1 + 1")',
];

// ───────────────────────────── compiling both evaluators ─────────────────────────────

/** Compiles TypeScript modules to CommonJS in `dir`, with bare imports resolved from the repository. */
function compileModules(files, dir) {
  for (const [name, source] of Object.entries(files)) {
    let { code } = transformSync(source, {
      filename: name,
      jsc: { target: 'es2023', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
    });
    code = code.replace(/require\("([^./][^"]*)"\)/g, (_, bare) => `require(${JSON.stringify(requireFromRoot.resolve(bare))})`);
    writeFileSync(join(dir, name.replace(/\.ts$/, '.js')), code);
  }
  return createRequire(join(dir, 'index.js'))('./evaluate-expression.js');
}

function baselineModules() {
  const listing = execFileSync('git', ['ls-tree', '--name-only', `${BASELINE}:${SOURCE_DIR}`], { cwd: ROOT, encoding: 'utf8' });
  const files = {};
  for (const name of listing.split('\n').filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))) {
    files[name] = execFileSync('git', ['show', `${BASELINE}:${SOURCE_DIR}/${name}`], { cwd: ROOT, encoding: 'utf8' });
  }
  return files;
}

function workingTreeModules() {
  const files = {};
  for (const name of readdirSync(join(ROOT, SOURCE_DIR)).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))) {
    files[name] = readFileSync(join(ROOT, SOURCE_DIR, name), 'utf8');
  }
  return files;
}

// ───────────────────────────── measuring ─────────────────────────────

/** Evaluations per second of one expression, sequentially, for about MEASURE_MS. */
async function rate(evaluate, source, scope) {
  const first = await evaluate(source, scope);
  if (!first.ok) throw new Error(`${source} failed: ${first.error}`);
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < MEASURE_MS) {
    for (let i = 0; i < 50; i++) await evaluate(source, scope);
    count += 50;
    elapsed = performance.now() - started;
  }
  return (count / elapsed) * 1000;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const format = (value) => Math.round(value).toLocaleString('en-US');

async function compare(before, after, cases, scope) {
  const rows = [];
  for (const [label, source] of cases) {
    const beforeRates = [];
    const afterRates = [];
    for (let round = 0; round < ROUNDS; round++) {
      beforeRates.push(await rate(before, source, scope));
      afterRates.push(await rate(after, source, scope));
    }
    const b = median(beforeRates);
    const a = median(afterRates);
    rows.push({ label, before: b, after: a, change: ((a - b) / b) * 100, microsBefore: 1e6 / b, microsAfter: 1e6 / a });
    log(`  ${label.padEnd(34)}${format(b).padStart(10)}${format(a).padStart(10)}${`${(((a - b) / b) * 100).toFixed(0)}%`.padStart(8)}${(1e6 / b).toFixed(1).padStart(9)}${(1e6 / a).toFixed(1).padStart(9)}`);
  }
  return rows;
}

/** How one attack ends, in a child process whose heap is capped, so the old evaluator can crash without taking this one down. */
function attack(which, source) {
  const script = `
    const { evaluateExpression } = require(${JSON.stringify(which)});
    const v8 = require('node:v8');
    const started = Date.now();
    evaluateExpression(${JSON.stringify(source)}, { event: {} }).then((result) => {
      const ms = Date.now() - started;
      const heapMb = Math.round(v8.getHeapStatistics().used_heap_size / 1048576);
      process.stdout.write(JSON.stringify({ ms, heapMb, result: result.ok ? 'ok' : result.error.slice(0, 70) }));
    });`;
  const started = Date.now();
  try {
    const out = execFileSync(process.execPath, ['--max-old-space-size=512', '-e', script], { encoding: 'utf8', timeout: 15000, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out);
  } catch (error) {
    const ms = Date.now() - started;
    const reason = error.signal === 'SIGTERM' ? 'still running after 15 s (killed)' : /heap out of memory|Allocation failed/i.test(String(error.stderr)) ? 'process died: out of memory' : `process died (${error.status ?? error.signal})`;
    return { ms, result: reason };
  }
}

/**
 * Measures both evaluators and prints the tables through `print`.
 * @returns the measurements, for the benchmark's results file.
 */
export async function measureExpressionCost({ attacks: runAttacks = RUN_ATTACKS, print = log } = {}) {
  log = print;
  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-expressions-'));
  try {
    const beforeDir = mkdtempSync(join(work, 'before-'));
    const afterDir = mkdtempSync(join(work, 'after-'));
    const before = compileModules(baselineModules(), beforeDir);
    const after = compileModules(workingTreeModules(), afterDir);
    log(`expressions — node ${process.version}; before = ${BASELINE}, after = working tree; median of ${ROUNDS} rounds of ${MEASURE_MS} ms`);
    log(`  ${'expression (typical order event)'.padEnd(34)}${'before/s'.padStart(10)}${'after/s'.padStart(10)}${'change'.padStart(8)}${'µs bef.'.padStart(9)}${'µs aft.'.padStart(9)}`);
    const typical = await compare(before.evaluateExpression, after.evaluateExpression, TYPICAL, SCOPE);
    log(`  ${'expression (event of 2,000 lines)'.padEnd(34)}${'before/s'.padStart(10)}${'after/s'.padStart(10)}${'change'.padStart(8)}${'µs bef.'.padStart(9)}${'µs aft.'.padStart(9)}`);
    const bulk = await compare(before.evaluateExpression, after.evaluateExpression, BULK, BULK_SCOPE);
    const attacks = [];
    if (runAttacks) {
      log('  attacks (each in a child process with a 512 MB heap; time includes start-up of about 100 ms)');
      for (const source of ATTACKS) {
        const b = attack(join(beforeDir, 'evaluate-expression.js'), source);
        const a = attack(join(afterDir, 'evaluate-expression.js'), source);
        attacks.push({ source, before: b, after: a });
        log(`  ${source}`);
        log(`      before: ${String(b.ms).padStart(6)} ms  ${b.result}${b.heapMb === undefined ? '' : ` (heap ${b.heapMb} MB after)`}`);
        log(`      after:  ${String(a.ms).padStart(6)} ms  ${a.result}${a.heapMb === undefined ? '' : ` (heap ${a.heapMb} MB after)`}`);
      }
    }
    return { baseline: BASELINE, node: process.version, typical, bulk, attacks };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureExpressionCost()
    .then((results) => {
      const dir = join(ROOT, 'bench-results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `expressions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      log(`results: ${file}`);
    })
    .catch((error) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
