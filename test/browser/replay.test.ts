import type { ReplayDto } from '@sluice/contracts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserSuite, canvasNode, SCREENSHOT_DIR } from '../support/browser';
import { orderFlow } from '../support/graphs';

/** Order amounts of the recorded events, spread around both thresholds (100 saved, 300 in the draft). */
const AMOUNTS = [40, 75, 95, 110, 130, 160, 190, 210, 240, 260, 280, 300, 305, 330, 360, 420, 480, 550, 700, 90];
/** The 400 a refused q answers is expected; Chromium logs every failed request as a console error. */
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of 400/;

/** Shadow replay in the editor (docs/editor.md#replay): panel, canvas overlay, events list and side-by-side view. */
describe('shadow replay (browser)', () => {
  const suite = browserSuite();

  /**
   * The README's picture (docs/replay-diff.png is a copy of it): the canvas
   * with its overlay and the panel with the summary, without the palette, at
   * twice the pixel density so its text stays sharp when scaled down.
   */
  async function readmeShot(page: Page): Promise<void> {
    const canvas = await page.getByTestId('editor-canvas').boundingBox();
    const viewport = page.viewportSize();
    if (!canvas || !viewport) throw new Error('no canvas or viewport to frame the screenshot');
    const cdp = await page.context().newCDPSession(page);
    const metrics = { width: viewport.width, height: viewport.height, mobile: false };
    await cdp.send('Emulation.setDeviceMetricsOverride', { ...metrics, deviceScaleFactor: 2 });
    try {
      const clip = { x: canvas.x, y: canvas.y, width: viewport.width - canvas.x, height: viewport.height - canvas.y, scale: 1 };
      const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', clip });
      await writeFile(join(SCREENSHOT_DIR, 'replay-diff.png'), Buffer.from(data, 'base64'));
    } finally {
      await cdp.send('Emulation.setDeviceMetricsOverride', { ...metrics, deviceScaleFactor: 1 });
      await cdp.detach();
    }
  }

  /** The text of a test id's element, whitespace collapsed. */
  async function text(page: Page, selector: string): Promise<string> {
    return ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  it('replays the last 20 events through a draft whose filter threshold moved, and shows what changed on the canvas and side by side', async () => {
    const flow = await suite.app.api.createFlow('Orders to replay', orderFlow(`${suite.target.url}/fulfil`, { maxAttempts: 1, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 }));
    const runIds: string[] = [];
    for (const [index, amount] of AMOUNTS.entries()) {
      const { runId } = await suite.app.api.trigger(flow.id, { orderId: `R-${index}`, amount });
      await suite.app.api.waitForRun(runId);
      runIds.push(runId);
    }
    const yesBefore = AMOUNTS.filter((amount) => amount > 100).length;
    const yesAfter = AMOUNTS.filter((amount) => amount > 300).length;
    const moved = yesBefore - yesAfter;
    expect(moved).toBeGreaterThan(0);
    expect(suite.target.requests.length).toBe(yesBefore);

    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'check').waitFor();
    await suite.browser.shot(page, 'replay', '01-flow');

    // The draft: the threshold moves from 100 to 300 on the canvas, and is not saved.
    await canvasNode(page, 'check').click();
    await page.getByTestId('field-condition').fill('event.amount > 300');
    await page.getByText('Unsaved', { exact: true }).waitFor();
    await suite.browser.shot(page, 'replay', '02-threshold-changed');

    await page.getByTestId('replay-open').click();
    const panel = page.getByTestId('replay-panel');
    await panel.waitFor();
    expect(await page.getByTestId('replay-limit').inputValue()).toBe('20');
    expect(await page.getByTestId('replay-subject').inputValue()).toBe('draft');
    await suite.browser.shot(page, 'replay', '03-panel');

    await page.locator('[data-testid="replay-start"]:not([disabled])').click();
    const result = page.locator('[data-testid="replay-result"][data-status="succeeded"]');
    await result.waitFor({ timeout: 30_000 });
    const replayId = await result.getAttribute('data-replay-id');
    expect(replayId).toMatch(/^[0-9a-f-]{36}$/);

    // The summary: every event whose amount is above 100 and at most 300 now ends ignored instead of calling fulfilment.
    expect(await text(page, '[data-testid="replay-summary-events"]')).toBe('20');
    expect(await text(page, '[data-testid="replay-summary-changed"]')).toBe(String(moved));
    expect(await text(page, '[data-testid="replay-summary-unchanged"]')).toBe(String(20 - moved));
    expect(await text(page, '[data-testid="replay-summary-failed"]')).toBe('0');
    expect(await text(page, '[data-testid="replay-node-sentences"][data-node-id="check"]')).toContain(`${moved} events now take no instead of yes`);

    // The canvas: the filter's edges say how many events took them before → after, and the filter has a badge.
    const yesLabel = page.locator('[data-testid="replay-edge-label"][data-edge-id="check-yes-call"]');
    const noLabel = page.locator('[data-testid="replay-edge-label"][data-edge-id="check-no-skip"]');
    expect(await text(page, '[data-testid="replay-edge-label"][data-edge-id="check-yes-call"]')).toBe(`${yesBefore} → ${yesAfter}`);
    expect(await text(page, '[data-testid="replay-edge-label"][data-edge-id="check-no-skip"]')).toBe(`${20 - yesBefore} → ${20 - yesAfter}`);
    expect(await yesLabel.isVisible()).toBe(true);
    expect(await noLabel.isVisible()).toBe(true);
    const badge = page.locator('[data-testid="replay-node-badge"][data-node-id="check"]');
    expect(await badge.isVisible()).toBe(true);
    expect(await text(page, '[data-testid="replay-node-badge"][data-node-id="check"]')).toBe(`Δ ${moved}`);
    await page.getByTestId('replay-legend').waitFor();
    await suite.browser.shot(page, 'replay', '04-summary-and-overlay');
    await readmeShot(page);

    // Nothing was called: the http node was answered from the record.
    expect(suite.target.requests.length).toBe(yesBefore);
    const answer = await suite.app.api.request<ReplayDto>('GET', `/api/replays/${replayId}`);
    const changedRuns = new Set(runIds.filter((_, index) => (AMOUNTS[index] ?? 0) > 100 && (AMOUNTS[index] ?? 0) <= 300));
    expect(new Set(answer.body.events.filter((event) => event.changed).map((event) => event.runId))).toEqual(changedRuns);

    // The events list: the changed ones first. One opens from the keyboard, side by side.
    const rows = page.getByTestId('replay-event');
    expect(await rows.count()).toBe(20);
    const flags = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-changed')));
    expect(flags).toEqual([...Array<string>(moved).fill('true'), ...Array<string>(20 - moved).fill('false')]);
    const first = rows.first();
    const runId = (await first.getAttribute('data-run-id')) ?? '';
    expect(changedRuns.has(runId)).toBe(true);
    await first.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('replay-event-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-testid="replay-node-row"][data-node-id="call"]').waitFor();

    // Original: took yes and called http. Replayed: took no, to the ignore node, and skipped http.
    expect(await dialog.getByTestId('replay-side-original').getAttribute('data-status')).toBe('succeeded');
    expect(await dialog.getByTestId('replay-side-replayed').getAttribute('data-status')).toBe('ignored');
    const originalPath = await dialog.getByTestId('replay-path-original').locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-edge-id')));
    const replayedPath = await dialog.getByTestId('replay-path-replayed').locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-edge-id')));
    expect(originalPath).toEqual(['start-out-check', 'check-yes-call', 'call-out-done']);
    expect(replayedPath).toEqual(['start-out-check', 'check-no-skip']);
    const check = dialog.locator('[data-testid="replay-node-row"][data-node-id="check"]');
    expect(await check.locator('[data-side="original"]').getAttribute('data-handle')).toBe('yes');
    expect(await check.locator('[data-side="replayed"]').getAttribute('data-handle')).toBe('no');
    const call = dialog.locator('[data-testid="replay-node-row"][data-node-id="call"]');
    expect(await call.locator('[data-side="original"]').getAttribute('data-status')).toBe('succeeded');
    expect(await call.locator('[data-side="replayed"]').getAttribute('data-status')).toBe('skipped');
    expect(await call.getAttribute('data-differs')).toBe('true');
    expect(await dialog.getByTestId('replay-original-run-link').getAttribute('href')).toBe(`/runs/${runId}`);
    await suite.browser.shot(page, 'replay', '05-side-by-side');
    await dialog.locator('.sl-replay-dialog__body').evaluate((body) => body.scrollTo(0, body.scrollHeight));
    await suite.browser.shot(page, 'replay', '06-side-by-side-end');

    // Escape closes the dialog and gives focus back to the row that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await first.evaluate((element) => element.matches(':focus'))).toBe(true);

    // Clear removes the overlay from the canvas; the draft is still unsaved.
    await page.getByTestId('replay-legend-clear').click();
    await page.getByTestId('replay-legend').waitFor({ state: 'detached' });
    expect(await page.getByTestId('replay-edge-label').count()).toBe(0);
    expect(await page.getByTestId('replay-node-badge').count()).toBe(0);
    await page.getByText('Unsaved', { exact: true }).waitFor();
    await suite.browser.shot(page, 'replay', '07-cleared');
  });

  it('refuses a limit out of range in the form, and shows a q the API refuses inline', async () => {
    const flow = await suite.app.api.createFlow('Orders to filter', orderFlow(`${suite.target.url}/filtered`, { maxAttempts: 1, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000, jitter: 0 }));
    await suite.app.api.waitForRun((await suite.app.api.trigger(flow.id, { orderId: 'Q-1', amount: 20 })).runId);
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'check').waitFor();
    await page.getByTestId('replay-open').click();

    await page.getByTestId('replay-limit').fill('10001');
    await page.locator('[data-testid="replay-start"]:not([disabled])').click();
    await page.getByTestId('replay-form').getByText('A whole number from 1 to 10,000').waitFor();
    expect(await page.getByTestId('replay-result').count()).toBe(0);

    await page.getByTestId('replay-limit').fill('5');
    await page.getByTestId('replay-q').fill('amount >');
    await page.getByTestId('replay-start').click();
    const refusal = page.getByTestId('replay-error');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('invalid_query');
    expect(await refusal.textContent()).toMatch(/q/);
    await suite.browser.shot(page, 'replay', '08-refused-q');
    suite.browser.errors.splice(0, suite.browser.errors.length, ...suite.browser.errors.filter((error) => !EXPECTED_REFUSAL.test(error)));

    // Fixed, it runs: the one event matches and nothing changes.
    await page.getByTestId('replay-q').fill('amount < 100');
    await page.getByTestId('replay-start').click();
    await page.locator('[data-testid="replay-result"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(await text(page, '[data-testid="replay-summary-events"]')).toBe('1');
    expect(await text(page, '[data-testid="replay-summary-changed"]')).toBe('0');
    expect(await page.getByTestId('replay-error').count()).toBe(0);
  });
});
