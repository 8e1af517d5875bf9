import type { FlowDto, Page as ApiPage, RunState } from '@sluice/contracts';
import type { Page } from 'playwright-core';
import { browserSuite, canvasNode } from '../support/browser';
import { edge, graph, laidOut, node } from '../support/graphs';

/** The 400 a refused search answers is expected; Chromium logs every failed request as a console error. */
const EXPECTED_SEARCH_REFUSAL = /Failed to load resource: the server responded with a status of 400/;

/** Search keys in the entry node's inspector, and the runs list's search box (docs/editor.md). */
describe('run search (browser)', () => {
  const suite = browserSuite();

  /** The run ids the runs table shows, top to bottom. */
  async function shownRuns(page: Page): Promise<string[]> {
    const ids = await page.locator('[data-testid^="run-row-"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid') ?? ''));
    return ids.map((id) => id.slice('run-row-'.length));
  }

  /** Waits until the runs table shows exactly `expected`, failing with what it shows. */
  async function waitForRuns(page: Page, expected: string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let shown: string[] = [];
    while (Date.now() < deadline) {
      shown = await shownRuns(page);
      if (JSON.stringify(shown) === JSON.stringify(expected)) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`the runs list shows ${JSON.stringify(shown)}, not ${JSON.stringify(expected)}`);
  }

  async function search(page: Page, text: string): Promise<void> {
    await page.getByTestId('runs-search-input').fill(text);
    await page.getByTestId('runs-search-input').press('Enter');
  }

  it('adds, edits and removes a search key in the trigger inspector, with live validation, and saves it', async () => {
    const flow = await suite.app.api.createFlow('Keys in the inspector', graph(laidOut([node('start', 'trigger', { label: 'Order placed' }), node('done', 'end')]), [edge('start', 'done')]));
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'start').click();
    const inspector = page.getByTestId('inspector');
    await inspector.getByTestId('add-search-key').click();
    const key = inspector.getByTestId('search-key-0');

    // A name that is not an identifier is flagged at once, and the graph validation names the node.
    await key.getByTestId('search-key-name').fill('order-id');
    await key.locator('.sl-field__error').filter({ hasText: /Letters, digits and _/ }).waitFor();
    await inspector.getByTestId('inspector-errors').filter({ hasText: /searchKeys\[0\] name "order-id"/ }).waitFor();
    await page.getByTestId('save-blocked').filter({ hasText: /problem/ }).waitFor();

    // An expression that does not parse: the preview says why, and save stays blocked.
    await key.getByTestId('search-key-name').fill('orderId');
    await key.getByTestId('search-key-expression').fill('orderId =');
    await key.getByTestId('search-key-preview').filter({ hasText: /Expected|expression|Unexpected/i }).waitFor();
    await inspector.getByTestId('inspector-errors').filter({ hasText: /searchKeys\[0\] \(orderId\) expression is not valid JSONata/ }).waitFor();

    // Fixed: the preview shows what the sample event would index, and the flow saves.
    await key.getByTestId('search-key-expression').fill('orderId');
    await key.getByTestId('search-key-preview').filter({ hasText: '"A-1"' }).waitFor();
    await inspector.getByTestId('add-search-key').click();
    const second = inspector.getByTestId('search-key-1');
    await second.getByTestId('search-key-name').fill('email');
    await second.getByTestId('search-key-expression').fill('customer.email');
    await second.getByTestId('search-key-preview').filter({ hasText: '"ada@example.com"' }).waitFor();
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    await suite.browser.shot(page, 'run-search', '01-search-keys-in-inspector');
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 2' }).waitFor();
    const saved = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(saved.body.graph.nodes.find((n) => n.id === 'start')?.data['searchKeys']).toEqual([
      { name: 'orderId', expression: 'orderId' }, { name: 'email', expression: 'customer.email' },
    ]);

    // Removing one key leaves the other; removing both removes the field.
    await key.getByTestId('remove-search-key').click();
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 3' }).waitFor();
    const removed = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(removed.body.graph.nodes.find((n) => n.id === 'start')?.data['searchKeys']).toEqual([{ name: 'email', expression: 'customer.email' }]);
    await inspector.getByTestId('search-key-0').getByTestId('remove-search-key').click();
    expect(await inspector.getByTestId('search-key-0').count()).toBe(0);
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 4' }).waitFor();
    const none = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(none.body.graph.nodes.find((n) => n.id === 'start')?.data).not.toHaveProperty('searchKeys');
  });

  it('finds exactly the run of order A-17 with orderId=A-17 in the runs list, finds runs by a q, and shows a refused q inline', async () => {
    const flow = await suite.app.api.createFlow('Orders to find', graph(
      laidOut([node('start', 'trigger', { label: 'Order placed', searchKeys: [{ name: 'orderId', expression: 'orderId' }] }), node('done', 'end')]),
      [edge('start', 'done')],
    ));
    const started: Record<string, string> = {};
    for (const [orderId, amount] of [['A-16', 40], ['A-17', 180], ['A-18', 320], ['A-170', 5]] as const) {
      started[orderId] = (await suite.app.api.trigger(flow.id, { orderId, amount })).runId;
    }
    const all = (await suite.app.api.request<ApiPage<RunState>>('GET', `/api/runs?flowId=${flow.id}`)).body.items.map((run) => run.id);
    expect(all).toHaveLength(4);

    const page = await suite.browser.open(`/flows/${flow.id}/runs`);
    await waitForRuns(page, all);
    await page.getByTestId('runs-search').getByText('orderId', { exact: true }).waitFor();

    await search(page, 'orderId=A-17');
    await waitForRuns(page, [started['A-17']!]);
    expect(page.url()).toMatch(/search=orderId%3DA-17/);
    await suite.browser.shot(page, 'run-search', '02-key-search');

    await search(page, 'amount > 100');
    await waitForRuns(page, all.filter((id) => id === started['A-17'] || id === started['A-18']));
    await page.getByTestId('runs-meta').filter({ hasText: '2 matches among 4 runs searched' }).waitFor();
    await suite.browser.shot(page, 'run-search', '03-q-search');

    await search(page, 'orderId=NOPE');
    await page.getByTestId('runs-no-match').waitFor();

    await search(page, 'amount >');
    const refusal = page.getByTestId('runs-search-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^q is not valid JSONata: /);
    await suite.browser.shot(page, 'run-search', '04-refused-q');
    suite.browser.errors.splice(0, suite.browser.errors.length, ...suite.browser.errors.filter((error) => !EXPECTED_SEARCH_REFUSAL.test(error)));

    await page.getByTestId('runs-search-clear').click();
    await waitForRuns(page, all);
    expect(await refusal.count()).toBe(0);
  });
});
