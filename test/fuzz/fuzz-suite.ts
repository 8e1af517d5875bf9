import fc from 'fast-check';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';
import { type Counts, FuzzDriver, formatStats } from './fuzz-driver';
import { ROUTES } from './routes';

export interface FuzzOptions {
  /** Cases per route. */
  runs: number;
  /** fast-check seed; route i uses seed + i. */
  seed: number;
  /** Only routes whose name contains one of these (FUZZ_ROUTES, comma-separated). */
  routes?: string[];
  /** Print the per-route table and the time taken at the end. */
  report?: boolean;
}

/**
 * Registers the property-based fuzz of every route against a real Sluice
 * (PostgreSQL server, in-process broker) on loopback. Fixtures: two inline
 * trigger flows (the only flows events are sent to), a subscriber of
 * `fuzz.#`, a flow whose http step is dead-lettered (for the retry and
 * redrive routes) and scratch flows for saves and archives. Generated graphs
 * are only validated and saved, never run.
 */
export function fuzzSuite(options: FuzzOptions): void {
  const suite = sluiceSuite('server');
  let driver: FuzzDriver;
  let initial: Counts;
  const started = Date.now();
  const selected = ROUTES.filter((item) => !options.routes || options.routes.some((part) => item.name.includes(part)));

  let sampler: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    if (process.env['FUZZ_TRACE']) {
      sampler = setInterval(() => {
        const memory = process.memoryUsage();
        process.stderr.write(`  [memory] heap ${Math.round(memory.heapUsed / 1e6)} MB, rss ${Math.round(memory.rss / 1e6)} MB, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }, 2000);
      sampler.unref();
    }
    const { api, target } = suite;
    target.reply({ status: 400, body: { refused: true } });
    const inline = await api.createFlow('fuzz inline', graph(
      [node('t', 'trigger'), node('f', 'filter', { condition: 'event.amount > 100' }), node('x', 'transform', { expression: '{ "seen": event }' }),
        node('e', 'end'), node('i', 'ignore', { reason: 'small' })],
      [edge('t', 'f'), edge('f', 'x', 'yes'), edge('f', 'i', 'no'), edge('x', 'e')],
    ));
    const schema = await api.createFlow('fuzz schema', graph(
      [node('t', 'trigger', { schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } } }), node('e', 'end')],
      [edge('t', 'e')],
    ));
    const subscriber = await api.createFlow('fuzz subscriber', graph(
      [node('s', 'subscribe', { topic: 'fuzz.#' }), node('x', 'transform', { expression: 'event' }), node('e', 'end')],
      [edge('s', 'x'), edge('x', 'e')],
    ));
    const dead = await api.createFlow('fuzz dead letter', graph(
      [node('t', 'trigger'), node('h', 'http', { url: `${target.url}/refuse`, method: 'POST', timeoutMs: 2000, retry: { maxAttempts: 1 } }), node('e', 'end')],
      [edge('t', 'h'), edge('h', 'e')],
    ));
    for (let i = 0; i < 3; i++) await api.createFlow(`fuzz scratch ${i}`, graph([node('t', 'trigger'), node('e', 'end')], [edge('t', 'e')]));
    await api.trigger(inline.id, { amount: 150 });
    await api.trigger(inline.id, { amount: 5 }, 'fuzz-key');
    await api.trigger(schema.id, { amount: 1 });
    await api.waitForRun((await api.trigger(dead.id, { amount: 1 })).runId);
    const published = await api.request('POST', '/api/topics/fuzz.setup/events', { ok: true });
    if (published.status !== 202) throw new Error(`fixture publish: ${published.status}`);
    driver = new FuzzDriver(suite.sluice, {
      triggerFlows: [inline.id, schema.id],
      protectedFlows: [inline.id, schema.id, subscriber.id, dead.id],
    });
    initial = await driver.start();
  });

  afterAll(() => {
    if (sampler) clearInterval(sampler);
    driver?.close();
  });

  it.each(selected.map((item, index) => [item.name, index] as const))('%s: no 5xx, 4xx in the error shape, refused requests write nothing', async (name, index) => {
    const route = selected[index];
    if (!route) throw new Error(`no route ${name}`);
    const before = driver.violations.length;
    const details = await fc.check(
      fc.asyncProperty(route.draft, async (draft) => {
        await driver.runCase(route, draft);
        const cases = driver.stats.get(route.name)?.cases ?? 0;
        if (options.report && cases % 250 === 0) {
          const heap = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
          process.stderr.write(`  ${route.name}: ${cases}/${options.runs} cases, heap ${heap} MB, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
        }
        return true;
      }),
      { numRuns: options.runs, seed: options.seed + index, endOnFailure: true },
    );
    if (details.failed) throw new Error(`the fuzz driver failed (seed ${options.seed + index}): ${String(details.errorInstance)}`);
    expect(driver.stats.get(route.name)?.cases).toBe(options.runs);
    expect(driver.violations.slice(before)).toEqual([]);
    if (index % 4 === 3) expect(await driver.alive()).toBe(true);
  }, Math.max(120_000, options.runs * 500));

  it('is still alive, and the rows written match the writes the API acknowledged', async () => {
    expect(await driver.alive()).toBe(true);
    expect(await driver.settle()).toBe(true);
    const counts = await driver.counts();
    const { flowsCreated, versionsSaved, runsStarted } = driver.accepted;
    expect({ flows: counts['flows'], flowVersions: counts['flow_versions'], runs: counts['runs'] }).toEqual({
      flows: (initial['flows'] ?? 0) + flowsCreated,
      flowVersions: (initial['flow_versions'] ?? 0) + flowsCreated + versionsSaved,
      runs: (initial['runs'] ?? 0) + runsStarted,
    });
    if (options.report) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\nSluice fuzz: ${options.runs} cases per route, seed ${options.seed}, ${seconds} s\n${formatStats(driver.stats)}\n`
        + `accepted writes: ${flowsCreated} flows created, ${versionsSaved} versions saved, ${runsStarted} runs started\n`
        + `violations: ${driver.violations.length}\n`);
      for (const violation of driver.violations.slice(0, 30)) {
        process.stdout.write(`  [${violation.rule}] ${violation.route}: ${violation.detail}\n    ${violation.request}\n`);
      }
    }
  });
}
