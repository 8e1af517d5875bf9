import type { DeadLetterDto, FlowGraph, Page as ApiPage, RetryDto, RetryPolicyInput } from '@sluice/contracts';
import { browserSuite, canvasNode, waitForNodeStatus } from '../support/browser';
import { edge, graph, node } from '../support/graphs';

/** trigger → http → end, laid out left to right. */
function callFlow(url: string, retry: RetryPolicyInput): FlowGraph {
  return graph(
    [
      { ...node('start', 'trigger', { label: 'Payment received' }), position: { x: 0, y: 0 } },
      { ...node('call', 'http', { label: 'Post to ledger', url, method: 'POST', timeoutMs: 2000, body: 'event', retry }), position: { x: 320, y: 0 } },
      { ...node('done', 'end', { label: 'Done' }), position: { x: 640, y: 0 } },
    ],
    [edge('start', 'call'), edge('call', 'done')],
  );
}

/** Dead letters (redrive, discard, bulk redrive) and scheduled retries (countdown, retry now). */
describe('retries and dead letters (browser)', () => {
  const suite = browserSuite();

  async function deadLetters(): Promise<DeadLetterDto[]> {
    return (await suite.app.api.request<ApiPage<DeadLetterDto>>('GET', '/api/dead-letters')).body.items;
  }

  it('shows an always-failing http step as dead, and after the target is fixed a redrive from /dead-letters makes the run succeed', async () => {
    suite.target.reply({ status: 500, body: { error: 'ledger down' } });
    const flow = await suite.app.api.createFlow('Ledger', callFlow(`${suite.target.url}/ledger`, { maxAttempts: 2, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 }));
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await page.getByTestId('run-indicator').waitFor();
    const { runId } = await suite.app.api.trigger(flow.id, { paymentId: 'P-1', cents: 1250 });

    await waitForNodeStatus(page, 'call', 'dead', 15_000);
    expect(await canvasNode(page, 'done').getAttribute('data-status')).toBe('idle');
    await suite.browser.shot(page, 'dead-letter', '01-dead-in-editor');
    await expect(suite.app.api.run(runId)).resolves.toMatchObject({ status: 'failed' });

    suite.target.reply({ status: 200, body: { booked: true } });
    await page.getByTestId('nav-dead-letters').click();
    const row = page.locator(`[data-testid^="dead-letter-"][data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/HTTP 500/);
    await suite.browser.shot(page, 'dead-letter', '02-list');

    await row.getByTestId('redrive').click();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('dead-letters-empty').waitFor();
    await suite.browser.shot(page, 'dead-letter', '03-redriven-empty');

    const finished = await suite.app.api.waitForRun(runId);
    expect(finished.status).toBe('succeeded');
    await page.goto(`${suite.app.baseUrl}/runs/${runId}`);
    await waitForNodeStatus(page, 'call', 'succeeded');
    await waitForNodeStatus(page, 'done', 'succeeded');
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('succeeded');
    await page.getByTestId('timeline').locator('[data-type="StepRedriven"]').waitFor();
    await suite.browser.shot(page, 'dead-letter', '04-run-succeeded');
  });

  it('retries a dead step from the run page with "Retry now"', async () => {
    suite.target.reply({ status: 502 });
    const flow = await suite.app.api.createFlow('Retry from run', callFlow(`${suite.target.url}/again`, { maxAttempts: 1 }));
    const { runId } = await suite.app.api.trigger(flow.id, { invoice: 'I-4' });
    await suite.app.api.waitForRun(runId);
    const page = await suite.browser.open(`/runs/${runId}`);
    await waitForNodeStatus(page, 'call', 'dead');
    // The page opens on the dead step, with its error and the action.
    await page.locator('[data-testid="step-panel"][data-node-id="call"][data-status="dead"]').waitFor();
    expect(await page.getByTestId('step-error').textContent()).toMatch(/502/);
    await suite.browser.shot(page, 'run-retry-now', '01-dead');

    suite.target.reply({ status: 200 });
    await page.getByTestId('retry-now').click();
    await waitForNodeStatus(page, 'call', 'succeeded');
    await waitForNodeStatus(page, 'done', 'succeeded');
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor();
    expect(await page.getByTestId('retry-now').count()).toBe(0);
    await suite.browser.shot(page, 'run-retry-now', '02-succeeded');
    await expect(suite.app.api.run(runId)).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('discards one dead letter and bulk-redrives the others', async () => {
    suite.target.reply({ status: 503 });
    const flow = await suite.app.api.createFlow('Bulk', callFlow(`${suite.target.url}/bulk`, { maxAttempts: 1 }));
    const runIds = await Promise.all([1, 2, 3].map(async (n) => (await suite.app.api.trigger(flow.id, { n })).runId));
    await Promise.all(runIds.map((runId) => suite.app.api.waitForRun(runId)));
    const page = await suite.browser.open('/dead-letters');
    for (const runId of runIds) await page.locator(`[data-run-id="${runId}"]`).waitFor();
    const [discarded, ...redriven] = runIds as [string, ...string[]];

    const discardRow = page.locator(`[data-testid^="dead-letter-"][data-run-id="${discarded}"]`);
    await discardRow.getByTestId('discard').click();
    await discardRow.getByTestId('discard-confirm').click();
    await discardRow.waitFor({ state: 'detached' });

    suite.target.reply({ status: 200 });
    await page.getByTestId('select-all').check();
    await page.getByTestId('redrive-selected').filter({ hasText: '(2)' }).waitFor();
    await suite.browser.shot(page, 'bulk-redrive', '01-selected');
    await page.getByTestId('redrive-selected').click();
    await page.getByTestId('dead-letters-empty').waitFor();

    for (const runId of redriven) await expect(suite.app.api.waitForRun(runId, (run) => run.status === 'succeeded')).resolves.toMatchObject({ status: 'succeeded' });
    await expect(suite.app.api.run(discarded)).resolves.toMatchObject({ status: 'failed' });
    expect((await deadLetters()).filter((letter) => runIds.includes(letter.runId))).toEqual([]);
  });

  it('lists a scheduled retry with a live countdown and attempt n of m, and "Retry now" runs it at once', async () => {
    suite.target.reply({ status: 503, body: { error: 'busy' } }, { status: 200 });
    // A minute's wait: only "Retry now" can make this run finish within the test.
    const flow = await suite.app.api.createFlow('Slow retry', callFlow(`${suite.target.url}/slow`, { maxAttempts: 4, initialIntervalMs: 60_000, backoffCoefficient: 2, maxIntervalMs: 120_000, jitter: 0 }));
    const { runId } = await suite.app.api.trigger(flow.id, { orderId: 'R-9' });
    await suite.app.api.waitForRun(runId, (run) => run.steps.some((step) => step.nodeId === 'call' && step.status === 'retrying'));
    const retries = (await suite.app.api.request<ApiPage<RetryDto>>('GET', '/api/retries')).body.items;
    expect(retries.some((retry) => retry.runId === runId)).toBe(true);

    const page = await suite.browser.open('/retries');
    const row = page.getByTestId(`retry-row-${runId}`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/attempt 2 of 4/);
    expect(await row.textContent()).toMatch(/HTTP 503/);
    const countdown = row.getByTestId('retry-countdown');
    const first = await countdown.textContent();
    expect(first).toMatch(/^in (5\d|60) s$|^in 1 m 00 s$/);
    await page.waitForTimeout(1200);
    expect(await countdown.textContent()).not.toBe(first);
    await suite.browser.shot(page, 'retries', '01-countdown');

    await row.getByTestId('retry-now').click();
    await expect(suite.app.api.waitForRun(runId, (run) => run.status === 'succeeded', 10_000)).resolves.toMatchObject({ status: 'succeeded' });
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('retries-empty').waitFor();
    await suite.browser.shot(page, 'retries', '02-empty');
  });

  it('opens every page of the app without an uncaught error or console error', async () => {
    const flows = (await suite.app.api.request<ApiPage<{ id: string }>>('GET', '/api/flows')).body.items;
    const flowId = flows[0]!.id;
    const runs = (await suite.app.api.request<ApiPage<{ id: string }>>('GET', `/api/runs?flowId=${flowId}&limit=1`)).body.items;
    const paths = ['/', `/flows/${flowId}`, `/flows/${flowId}/runs`, `/runs/${runs[0]!.id}`, '/retries', '/dead-letters', '/no-such-page'];
    const page = await suite.browser.open('/');
    for (const path of paths) {
      await page.goto(`${suite.app.baseUrl}${path}`);
      await page.locator('#root > *').first().waitFor();
      // Let queries settle and the live stream open: errors show up after the first paint.
      await page.waitForTimeout(500);
    }
    await suite.browser.shot(page, 'smoke', '01-last-page');
    // afterEach fails the test on any pageerror or console error collected while visiting.
    expect(suite.browser.errors).toEqual([]);
  });
});

