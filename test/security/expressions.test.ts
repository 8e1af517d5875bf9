import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FlowGraph, RunState } from '@sluice/contracts';
import { edge, fastRetry, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

/**
 * JSONata built-ins cannot escape the expression limits (issue 6, item 3).
 * Before, `$sort([1..100000])` ended the process with an out-of-memory error,
 * `$distinct` of a large range held it for minutes and a backtracking regex
 * for hours; pure nodes run inside the trigger request, so one trigger stopped
 * embedded mode.
 */

const step = (run: RunState, nodeId: string) => run.steps.find((candidate) => candidate.nodeId === nodeId);

/** trigger → transform(expression) → end, with retries allowed, so that a single attempt shows the failure is final. */
const transformFlow = (expression: string): FlowGraph =>
  graph(
    [node('start', 'trigger'), node('shape', 'transform', { expression, retry: fastRetry(3) }), node('done', 'end')],
    [edge('start', 'shape'), edge('shape', 'done')],
  );

/** trigger → filter(condition) → end on yes, ignore on no. */
const filterFlow = (condition: string): FlowGraph =>
  graph(
    [node('start', 'trigger'), node('check', 'filter', { condition, retry: fastRetry(3) }), node('done', 'end'), node('skip', 'ignore')],
    [edge('start', 'check'), edge('check', 'done', 'yes'), edge('check', 'skip', 'no')],
  );

describe('expressions cannot stop embedded Sluice', () => {
  const suite = sluiceSuite('pglite');

  it.each([
    ['sorts 10 million items', '$sort([1..10000000])', 'Node "shape" (transform) expression: produced more than 100,000 items'],
    ['holds a thousand arrays of 100,000 items', '$count([1..1000].[[1..100000]])', 'Node "shape" (transform) expression: exceeded the 32 MiB memory limit'],
    ['orders 100,000 items by a key', '$count([1..100000]^($))', 'Node "shape" (transform) expression: exceeded the 1,000 ms time limit'],
    ['pads to 100 million characters', '$pad("", 100000000)', 'Node "shape" (transform) expression: produced a string longer than 1,048,576 characters'],
  ])('a transform that %s fails for good, naming the node and the limit', async (_name, expression, message) => {
    const flow = await suite.api.createFlow(`attack ${expression}`, transformFlow(expression));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('failed');
    expect(step(run, 'shape')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'expression', retryable: false, message } });
  });

  it('a transform that sorts 100,000 numbers simply succeeds', async () => {
    const flow = await suite.api.createFlow('big sort', transformFlow('$count($sort($reverse([1..100000])))'));
    const { runId } = await suite.api.trigger(flow.id, {});

    const run = await suite.api.waitForRun(runId);

    expect(run.status).toBe('succeeded');
    expect(step(run, 'shape')?.output).toBe(100000);
  });

  it('a filter with a catastrophic regex answers at once', async () => {
    const flow = await suite.api.createFlow('regex filter', filterFlow('$contains(event.text, /(a+)+$/) or $match(event.text, /(a|aa)+b/)'));
    const started = Date.now();
    const { runId } = await suite.api.trigger(flow.id, { text: `${'a'.repeat(40)}!` });

    const run = await suite.api.waitForRun(runId);

    expect(Date.now() - started).toBeLessThan(3000);
    expect(run.status).toBe('ignored');
    expect(step(run, 'check')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(step(run, 'skip')).toBeDefined();
  });

  it('stays responsive while attacks run: health answers and a normal flow completes', async () => {
    // Before the limits, the $distinct held the process for about a minute (it compares every pair).
    const slow = await suite.api.createFlow('slow attack', transformFlow('$count([1..100000]^($))'));
    const quadratic = await suite.api.createFlow('quadratic attack', transformFlow('$count($distinct($append([1..50000], [1..50000])))'));
    const normal = await suite.api.createFlow('normal', filterFlow('event.amount > 100'));

    const attacks = [slow, quadratic, slow, quadratic].map((flow) => suite.api.trigger(flow.id, {}));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const health = (async () => {
      const started = Date.now();
      const response = await fetch(`${suite.sluice.baseUrl}/health/live`);
      return { status: response.status, ms: Date.now() - started };
    })();
    const normalRun = suite.api.trigger(normal.id, { amount: 250 });

    const probe = await health;
    expect(probe.status).toBe(200);
    expect(probe.ms).toBeLessThan(2000);
    const run = await suite.api.waitForRun((await normalRun).runId);
    expect(run.status).toBe('succeeded');
    expect(step(run, 'done')).toBeDefined();
    const [slowRun, quadraticRun] = await Promise.all((await Promise.all(attacks)).slice(0, 2).map(({ runId }) => suite.api.waitForRun(runId)));
    expect(step(slowRun as RunState, 'shape')).toMatchObject({ status: 'dead', attempts: 1, error: { message: expect.stringContaining('1,000 ms time limit') } });
    expect(step(quadraticRun as RunState, 'shape')).toMatchObject({ status: 'succeeded', attempts: 1, output: 50000 });
    const again = await fetch(`${suite.sluice.baseUrl}/health/live`);
    expect(again.status).toBe(200);
  });
});

/**
 * The heap bound: each attack is evaluated in a worker thread whose heap is
 * capped at 192 MB (old generation) with the built evaluator. Before the
 * limits, the first of them ended the thread with an out-of-memory error.
 */
describe('expression attacks stay within a bounded heap', () => {
  const ATTACKS = [
    '$sort([1..100000])',
    '$distinct($append([1..50000], [1..50000]))',
    '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)',
    '[1..10000000]',
    '$pad("", 100000000)',
    '($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("a", 40))',
    '$replace($pad("", 100000, "a"), "a", $pad("", 1000, "b"))',
    '$join([1..2000].($pad("", 1000, "x")))',
    '[1..1000].[[1..100000]]',
    '($f := function($v, $n){ $n = 0 ? $v : $f({"l": $v, "r": $v}, $n - 1) }; $string($f([1..1000], 30)))',
    '($f := function($n){ $n = 0 ? 0 : ($s := $pad("", 1000000, $string($n % 10)); $f($n - 1) + $n) }; $f(500))',
    '$reduce([1..1000], function($all, $n){ $append($all, [1..1000]) }, [])',
    '[1..100000]^($)',
    '$toMillis($pad("", 5000, "a") & "1", "[MNn][FNn][MNn]")',
  ];
  const HEAP_CAP_MB = 192;

  interface Outcome {
    source: string;
    ok: boolean;
    error?: string;
    ms: number;
    heapGrowthMb: number;
  }

  function evaluateInCappedWorker(): Promise<{ outcomes: Outcome[]; exitCode: number; error?: Error }> {
    const evaluator = join(__dirname, '..', '..', 'libs', 'engine', 'dist', 'expressions', 'evaluate-expression.js');
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const v8 = require('node:v8');
      const { evaluateExpression } = require(workerData.evaluator);
      (async () => {
        for (const source of workerData.attacks) {
          const before = process.memoryUsage().heapUsed;
          const started = Date.now();
          const result = await evaluateExpression(source, { event: {} }, { timeoutMs: 300 });
          const ms = Date.now() - started;
          // Garbage not yet collected counts too: an upper bound on what the attack kept.
          const heapGrowthMb = (process.memoryUsage().heapUsed - before) / 1048576;
          parentPort.postMessage({ source, ok: result.ok, error: result.ok ? undefined : result.error, ms, heapGrowthMb });
        }
      })();`,
      { eval: true, workerData: { evaluator, attacks: ATTACKS }, resourceLimits: { maxOldGenerationSizeMb: HEAP_CAP_MB, maxYoungGenerationSizeMb: 32 } },
    );
    const outcomes: Outcome[] = [];
    return new Promise((resolve) => {
      let failure: Error | undefined;
      worker.on('message', (outcome: Outcome) => outcomes.push(outcome));
      worker.on('error', (error) => (failure = error));
      worker.on('exit', (exitCode) => resolve({ outcomes, exitCode, ...(failure ? { error: failure } : {}) }));
    });
  }

  it(`ends every attack with a limit or a quick answer, in a thread capped at ${HEAP_CAP_MB} MB`, async () => {
    const { outcomes, error } = await evaluateInCappedWorker();

    expect(error).toBeUndefined();
    expect(outcomes.map((outcome) => outcome.source)).toEqual(ATTACKS);
    for (const outcome of outcomes) {
      expect({ source: outcome.source, slow: outcome.ms > 1500 }).toEqual({ source: outcome.source, slow: false });
      expect({ source: outcome.source, heapGrowthUnder200Mb: outcome.heapGrowthMb < 200 }).toEqual({ source: outcome.source, heapGrowthUnder200Mb: true });
      if (!outcome.ok) expect(outcome.error).toMatch(/limit|more than|longer than/);
    }
  }, 60_000);
});
