import type { HistoryEvent } from '@sluice/contracts';
import type { Page } from 'playwright-core';
import { browserSuite, canvasNode, waitForNodeStatus } from '../support/browser';
import { orderFlow } from '../support/graphs';

/** The laptop-sized viewport every page is looked at in. */
const VIEWPORT = { width: 1440, height: 900 };

/** Every page at 1440×900, in its empty, busy and live states; each screenshot is one to look at. */
describe('pages at 1440×900 (browser)', () => {
  const suite = browserSuite();

  async function open(path: string): Promise<Page> {
    const page = await suite.browser.open(path);
    await page.setViewportSize(VIEWPORT);
    return page;
  }

  it('guides a fresh install: empty flows list, retries and dead letters, then a new flow with next steps and its empty runs list', async () => {
    const page = await open('/');
    await page.getByTestId('flows-empty').waitFor();
    await suite.browser.shot(page, 'pages', '01-flows-empty');
    await page.getByTestId('nav-retries').click();
    await page.getByTestId('retries-empty').waitFor();
    await suite.browser.shot(page, 'pages', '02-retries-empty');
    await page.getByTestId('nav-dead-letters').click();
    await page.getByTestId('dead-letters-empty').waitFor();
    await suite.browser.shot(page, 'pages', '03-dead-letters-empty');

    await page.getByTestId('nav-flows').click();
    await page.getByTestId('create-flow').first().click();
    await canvasNode(page, 'trigger').waitFor();
    // A lone trigger: the canvas says what to do next.
    await page.getByTestId('canvas-hint').waitFor();
    expect(await page.getByTestId('canvas-hint').textContent()).toMatch(/Send test event/);
    await suite.browser.shot(page, 'pages', '04-editor-new-flow');

    await page.getByTestId('open-runs').click();
    await page.waitForURL(/\/flows\/[^/]+\/runs$/);
    await page.getByTestId('runs-empty').waitFor();
    await suite.browser.shot(page, 'pages', '05-runs-empty');
  });

  it('lists many flows newest first with a search box, and each card links to its runs', async () => {
    const created = [];
    for (let index = 1; index <= 24; index++) {
      const name = `Flow ${String(index).padStart(2, '0')}${index % 5 === 0 ? ' with a rather long name that has to be cut short on its card' : ''}`;
      created.push(await suite.app.api.createFlow(name, orderFlow(`${suite.target.url}/n${index}`, { maxAttempts: 2 })));
    }
    const total = (await suite.app.api.request<{ items: unknown[] }>('GET', '/api/flows')).body.items.length;
    const page = await open('/');
    await page.getByTestId('flow-search').waitFor();
    expect(await page.getByTestId('flow-list').locator('article').count()).toBe(total);
    expect(await page.getByTestId('flow-list').locator('article').first().getAttribute('data-testid')).toBe(`flow-${created.at(-1)?.id}`);
    await suite.browser.shot(page, 'pages', '06-flows-many');

    await page.getByTestId('flow-search').fill('flow 07');
    await page.getByTestId(`flow-${created[6]?.id}`).waitFor();
    await page.getByTestId('flow-count').filter({ hasText: `1 of ${total} flows` }).waitFor();
    await page.getByTestId('flow-search').fill('no such flow');
    await page.getByTestId('flow-search-empty').waitFor();
    await suite.browser.shot(page, 'pages', '07-flows-search-empty');

    await page.getByTestId('flow-search').fill('');
    await page.getByTestId(`flow-runs-${created[2]?.id}`).click();
    await page.waitForURL(new RegExp(`/flows/${created[2]?.id}/runs$`));
    await page.getByTestId('runs-page').waitFor();
  });

  it('shows a live retry in the editor, the bottleneck view, the run with time travel, the retries list and a dead letter', async () => {
    // The first attempt fails and the retry waits 20 s, so every page sees the step waiting.
    suite.target.reply({ status: 503, body: { error: 'warehouse busy' } }, { status: 200, body: { accepted: true } });
    const flow = await suite.app.api.createFlow('Order fulfilment', orderFlow(`${suite.target.url}/fulfil`, { maxAttempts: 3, initialIntervalMs: 20_000, backoffCoefficient: 2, maxIntervalMs: 60_000, jitter: 0 }));
    const editor = await open(`/flows/${flow.id}`);
    await canvasNode(editor, 'call').waitFor();
    await editor.getByTestId('run-indicator').waitFor();
    const { runId } = await suite.app.api.trigger(flow.id, { orderId: 'A-1042', amount: 250 });
    await waitForNodeStatus(editor, 'call', 'retrying');
    await waitForNodeStatus(editor, 'skip', 'skipped');
    expect(await canvasNode(editor, 'call').getByTestId('status-pill').textContent()).toMatch(/in \d+ s/);
    await editor.waitForTimeout(400);
    await suite.browser.shot(editor, 'pages', '08-editor-live-retrying');
    // Selected, the inspector shows the policy with its backoff preview next to the step's live state.
    await canvasNode(editor, 'call').click();
    await editor.getByTestId('backoff-preview').waitFor();
    await editor.getByTestId('inspector').getByText('Next attempt').waitFor();
    await editor.locator('[data-testid="preview-body"].sl-preview--ok').waitFor();
    await suite.browser.shot(editor, 'pages', '08-editor-live-retrying-selected');
    await editor.keyboard.press('Escape');

    await editor.getByTestId('bottleneck-toggle').click();
    await editor.getByTestId('heat-call').waitFor();
    await suite.browser.shot(editor, 'pages', '09-editor-bottlenecks');
    await editor.getByTestId('bottleneck-toggle').click();

    await editor.getByTestId('run-indicator').click();
    await editor.waitForURL(new RegExp(`/runs/${runId}`));
    await waitForNodeStatus(editor, 'call', 'retrying');
    // The run page opens on the retrying step and rings it on the graph.
    await editor.locator('.react-flow__node.selected [data-testid="node-call"]').waitFor();
    await suite.browser.shot(editor, 'pages', '10-run-live');

    await editor.getByTestId('nav-retries').click();
    await editor.getByTestId(`retry-row-${runId}`).waitFor();
    await suite.browser.shot(editor, 'pages', '11-retries');
    await editor.getByTestId(`retry-row-${runId}`).getByTestId('retry-now').click();
    await suite.app.api.waitForRun(runId);

    // As of the RetryScheduled event the countdown is frozen: it names the due time, never "due now".
    const history: HistoryEvent[] = await suite.app.api.history(runId);
    const retrySeq = history.find((event) => event.type === 'RetryScheduled')?.seq;
    await editor.goto(`${suite.app.baseUrl}/runs/${runId}`);
    await waitForNodeStatus(editor, 'call', 'succeeded');
    await editor.getByTestId(`timeline-entry-${retrySeq}`).locator('.sl-timeline__travel').click();
    await editor.locator(`[data-testid="run-page"][data-as-of="${retrySeq}"]`).waitFor();
    await waitForNodeStatus(editor, 'call', 'retrying');
    const pill = canvasNode(editor, 'call').getByTestId('status-pill');
    await pill.locator('[data-frozen]').waitFor();
    expect(await pill.textContent()).toMatch(/due \d\d:\d\d:\d\d/);
    await suite.browser.shot(editor, 'pages', '12-run-time-travel');

    // A second flow whose call fails for good: one dead letter.
    const ledger = await suite.app.api.createFlow('Post to ledger', orderFlow(`${suite.target.url}/ledger-down`, { maxAttempts: 1 }));
    suite.target.reply({ status: 500, body: { error: 'ledger down' } });
    const dead = await suite.app.api.trigger(ledger.id, { orderId: 'A-1043', amount: 990 });
    await suite.app.api.waitForRun(dead.runId);
    await editor.getByTestId('nav-dead-letters').click();
    await editor.locator(`[data-testid^="dead-letter-"][data-run-id="${dead.runId}"]`).waitFor();
    await suite.browser.shot(editor, 'pages', '13-dead-letters');

    await editor.goto(`${suite.app.baseUrl}/runs/${dead.runId}`);
    await waitForNodeStatus(editor, 'call', 'dead');
    await suite.browser.shot(editor, 'pages', '14-run-dead');

    await editor.goto(`${suite.app.baseUrl}/flows/${flow.id}/runs`);
    await editor.getByTestId(`run-row-${runId}`).waitFor();
    await suite.browser.shot(editor, 'pages', '15-runs-list');
  });
});
