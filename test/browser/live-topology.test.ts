import type { Page } from 'playwright-core';
import { browserSuite, canvasNode } from '../support/browser';
import { graph, laidOut, node, edge } from '../support/graphs';

/** Pace of the events sent while the live view is on: one every 250 ms, for at most this long. */
const EVENT_EVERY_MS = 250;
const TRAFFIC_FOR_MS = 6000;
/** How long the target holds each call, in ms: longer than the traffic lasts, so the http node's work only grows while events arrive. */
const TARGET_HOLD_MS = 6000;

/** The in-flight figure of a node's live badge. */
async function inFlight(page: Page, nodeId: string): Promise<number> {
  const value = await page.locator(`[data-testid="live-node-badge"][data-node-id="${nodeId}"] [data-part="in-flight"] b`).getAttribute('data-value');
  return Number(value);
}

/** Waits until a node's in-flight figure passes `above`, failing with the figure it shows. */
async function waitForInFlightAbove(page: Page, nodeId: string, above: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = Number.NaN;
  while (Date.now() < deadline) {
    seen = await inFlight(page, nodeId).catch(() => Number.NaN);
    if (seen > above) return seen;
    await page.waitForTimeout(200);
  }
  throw new Error(`node ${nodeId} did not show more than ${above} in flight within ${timeoutMs} ms (it shows ${seen})`);
}

/** The live view in the editor: per-node figures, the bottleneck outline and the panel, against a target that holds every call. */
describe('live topology overlay (browser)', () => {
  const suite = browserSuite();

  it('shows the slow http node’s in-flight work growing, names it the bottleneck, and lists the flow’s runs and the broker’s queues', async () => {
    suite.target.reply({ status: 200, body: {}, delayMs: TARGET_HOLD_MS });
    const flow = await suite.app.api.createFlow(
      'Slow partner',
      graph(
        laidOut([node('start', 'trigger', { label: 'Order placed' }), node('call', 'http', { label: 'Slow partner', url: `${suite.target.url}/slow`, method: 'POST', timeoutMs: 20_000, body: 'event' }), node('done', 'end', { label: 'Done' })]),
        [edge('start', 'call'), edge('call', 'done')],
      ),
    );
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'call').waitFor();
    await suite.browser.shot(page, 'live-topology', '01-flow');

    // Off: no figures, no panel.
    expect(await page.getByTestId('live-node-badge').count()).toBe(0);
    expect(await page.getByTestId('live-panel').count()).toBe(0);

    await page.getByTestId('live-toggle').click();
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('true');
    await page.locator('[data-testid="live-node-badge"][data-node-id="call"]').waitFor();
    expect(await inFlight(page, 'call')).toBe(0);
    expect(await page.getByTestId('live-bottleneck').textContent()).toMatch(/^No bottleneck/);

    // Events at a steady pace, not waiting for their runs.
    const triggers: Promise<{ runId: string }>[] = [];
    const started = Date.now();
    const sender = setInterval(() => {
      if (Date.now() - started >= TRAFFIC_FOR_MS) return clearInterval(sender);
      triggers.push(suite.app.api.trigger(flow.id, { orderId: `L-${triggers.length}` }));
    }, EVENT_EVERY_MS);
    try {
      const first = await waitForInFlightAbove(page, 'call', 0, 10_000);
      await suite.browser.shot(page, 'live-topology', '02-first-reading');
      const later = await waitForInFlightAbove(page, 'call', first, 10_000);
      expect(later).toBeGreaterThan(first);

      const bottleneck = page.locator('[data-testid="node-call"][data-bottleneck="true"]');
      await bottleneck.waitFor({ timeout: 15_000 });
      expect(await page.locator('[data-bottleneck="true"]').count()).toBe(1);
      const reason = await page.locator('[data-testid="live-node-badge"][data-node-id="call"] [data-part="bottleneck"]').getAttribute('title');
      expect(reason).toMatch(/grew/);
      expect(await page.getByTestId('live-bottleneck').textContent()).toBe(`Slow partner is the bottleneck: ${reason}.`);
      expect(await page.locator('[data-testid="live-node-badge"][data-node-id="start"]').textContent()).toMatch(/0 in flight/);

      // The panel: the flow's running runs, its outbox, the broker's queues with their figures.
      const panel = page.getByTestId('live-panel');
      expect(Number(await panel.getByTestId('live-runs-running').locator('b').textContent())).toBeGreaterThan(0);
      expect(await panel.getByTestId('live-outbox').locator('b').textContent()).toMatch(/^≥? ?\d+$/);
      const steps = panel.locator('[data-testid="live-queue"][data-role="steps"]');
      await steps.first().waitFor();
      for (const figure of ['depth', 'held', 'consumers']) {
        expect(await steps.first().locator(`[data-figure="${figure}"]`).textContent()).toMatch(/^(\d+|—)$/);
      }
      expect(await panel.getByTestId('live-bindings').textContent()).toMatch(/over REST/);
      await suite.browser.shot(page, 'live-topology', '03-bottleneck');
    } finally {
      clearInterval(sender);
      await Promise.allSettled(triggers);
    }
    // Every event started a run, and each finishes once the target answers.
    const runs = await Promise.all(triggers);
    await Promise.all(runs.map(({ runId }) => expect(suite.app.api.waitForRun(runId, undefined, 30_000)).resolves.toMatchObject({ status: 'succeeded' })));

    // Off again: the overlay and the panel go away.
    await page.getByTestId('live-toggle').click();
    await page.getByTestId('live-panel').waitFor({ state: 'detached' });
    expect(await page.getByTestId('live-node-badge').count()).toBe(0);
    expect(await page.locator('[data-bottleneck="true"]').count()).toBe(0);
    await suite.browser.shot(page, 'live-topology', '04-off');
  });
});
