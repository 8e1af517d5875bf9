import type { HistoryEvent } from '@sluice/contracts';
import { browserSuite, canvasNode, nodeStatuses, waitForNodeStatus } from '../support/browser';
import { orderFlow } from '../support/graphs';

/** Live overlay in the editor, and the run detail page with its time-travel slider. */
describe('live runs and time travel (browser)', () => {
  const suite = browserSuite();

  it('sends a test event and shows the http node retrying, then succeeded, against a flaky server', async () => {
    suite.target.reply({ status: 503 }, { status: 200, body: { accepted: true } });
    const sent = suite.target.requests.length;
    // One retry after 2 s: long enough to watch, short enough for CI.
    const flow = await suite.app.api.createFlow('Flaky fulfilment', orderFlow(`${suite.target.url}/fulfil`, { maxAttempts: 3, initialIntervalMs: 2000, backoffCoefficient: 2, maxIntervalMs: 5000, jitter: 0 }));
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'call').waitFor();
    await suite.browser.shot(page, 'live-retry', '01-flow');

    await page.getByTestId('send-test-event').click();
    await page.getByTestId('send-event-json').fill('{ "orderId": "B-7", "amount": 250 }');
    await page.getByTestId('send-event-submit').click();

    await waitForNodeStatus(page, 'call', 'retrying', 10_000);
    // The node says which attempt comes next and counts down to it.
    expect(await canvasNode(page, 'call').textContent()).toMatch(/attempt 2 of 3/);
    expect(await canvasNode(page, 'call').getByTestId('status-pill').textContent()).toMatch(/in \d/);
    expect(await canvasNode(page, 'start').getAttribute('data-status')).toBe('succeeded');
    expect(await canvasNode(page, 'skip').getAttribute('data-status')).toBe('skipped');
    await suite.browser.shot(page, 'live-retry', '02-retrying');

    await waitForNodeStatus(page, 'call', 'succeeded', 10_000);
    await waitForNodeStatus(page, 'done', 'succeeded');
    await suite.browser.shot(page, 'live-retry', '03-succeeded');

    const runId = await page.getByTestId('run-indicator').getAttribute('data-run-id');
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(suite.app.api.run(runId!)).resolves.toMatchObject({ status: 'succeeded' });
    expect(suite.target.requests.length - sent).toBe(2);

    // The runs list of the flow has the run, and its status filter works.
    await page.goto(`${suite.app.baseUrl}/flows/${flow.id}/runs`);
    await page.getByTestId(`run-row-${runId}`).waitFor();
    await suite.browser.shot(page, 'live-retry', '04-runs-list');
    await page.getByTestId('runs-filter-failed').click();
    await page.getByTestId('runs-empty').waitFor();
    await suite.browser.shot(page, 'live-retry', '05-runs-list-failed-empty');
    await page.getByTestId('runs-filter-succeeded').click();
    await page.getByTestId(`run-row-${runId}`).click();
    await page.waitForURL(new RegExp(`/runs/${runId}`));
    await page.getByTestId('run-page').waitFor();
  });

  it('travels through a run: at seq 1 no node has run, at the retry the http node is retrying, at the end all succeeded', async () => {
    suite.target.reply({ status: 503 }, { status: 200 });
    const flow = await suite.app.api.createFlow('Time travel', orderFlow(`${suite.target.url}/travel`, { maxAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 }));
    const { runId } = await suite.app.api.trigger(flow.id, { orderId: 'C-3', amount: 500 });
    const finished = await suite.app.api.waitForRun(runId);
    expect(finished.status).toBe('succeeded');
    const history: HistoryEvent[] = await suite.app.api.history(runId);
    const retrySeq = history.find((event) => event.type === 'RetryScheduled')?.seq;
    expect(retrySeq).toBeDefined();

    const page = await suite.browser.open(`/runs/${runId}`);
    const runPage = page.getByTestId('run-page');
    await waitForNodeStatus(page, 'call', 'succeeded');
    await page.getByTestId('time-travel-live').waitFor();
    await page.getByTestId('timeline').locator('li').nth(history.length - 1).waitFor();
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('succeeded');
    await suite.browser.shot(page, 'time-travel', '01-live');

    // seq 1 (RunStarted): nothing has run yet.
    await page.getByTestId('time-travel').focus();
    await page.keyboard.press('Home');
    await page.locator('[data-testid="run-page"][data-as-of="1"]').waitFor();
    expect(Object.values(await nodeStatuses(page))).toEqual(['idle', 'idle', 'idle', 'idle', 'idle']);
    expect(await page.getByTestId('time-travel-position').textContent()).toMatch(/seq 1 of/);
    await suite.browser.shot(page, 'time-travel', '02-seq-1');

    // The seq of the RetryScheduled event: the http node waits for its second attempt.
    await page.getByTestId(`timeline-entry-${retrySeq}`).locator('.sl-timeline__travel').click();
    await page.locator(`[data-testid="run-page"][data-as-of="${retrySeq}"]`).waitFor();
    await waitForNodeStatus(page, 'call', 'retrying');
    expect(await canvasNode(page, 'start').getAttribute('data-status')).toBe('succeeded');
    expect(await canvasNode(page, 'done').getAttribute('data-status')).toBe('idle');
    await canvasNode(page, 'call').click();
    await page.locator('[data-testid="step-panel"][data-node-id="call"]').waitFor();
    expect(await page.getByTestId('step-error').textContent()).toMatch(/503/);
    expect(await page.getByTestId('step-input').textContent()).toContain('"orderId": "C-3"');
    await suite.browser.shot(page, 'time-travel', '03-at-retry');

    await page.getByTestId('time-travel-go-live').click();
    await runPage.and(page.locator('[data-as-of="live"]')).waitFor();
    await waitForNodeStatus(page, 'call', 'succeeded');
    await waitForNodeStatus(page, 'done', 'succeeded');
  });
});
