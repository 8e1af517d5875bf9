import type { FlowDto } from '@sluice/contracts';
import type { Page } from 'playwright-core';
import { browserSuite, canvasNode, connectHandles, sourceHandle, targetHandle } from '../support/browser';
import { edge, graph, laidOut, node } from '../support/graphs';

/** Authoring in the editor: palette drag and drop, handle connections, inspector forms, validation errors and warnings, and save. */
describe('editor authoring (browser)', () => {
  const suite = browserSuite();

  /** Drags a palette item with the mouse and drops it with its centre at (x, y) of the page. */
  async function drop(page: Page, type: string, x: number, y: number): Promise<void> {
    const item = (await page.getByTestId(`palette-${type}`).boundingBox())!;
    await page.mouse.move(item.x + item.width / 2, item.y + item.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, y, { steps: 10 });
    await page.mouse.up();
    await canvasNode(page, type).waitFor();
  }

  /** Drags a canvas node by its body so its centre lands at (x, y). */
  async function move(page: Page, nodeId: string, x: number, y: number): Promise<void> {
    const box = (await canvasNode(page, nodeId).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, y, { steps: 10 });
    await page.mouse.up();
  }

  it('builds trigger → filter → http → end (+ ignore on no) by drag and connect, configures it, saves, and the API returns the same graph', async () => {
    const page = await suite.browser.open('/');
    await page.getByTestId('create-flow').click();
    await page.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
    const flowId = page.url().split('/').pop()!;
    const trigger = canvasNode(page, 'trigger');
    await trigger.waitFor();
    await suite.browser.shot(page, 'authoring', '01-new-flow');

    // Zoom out so the whole chain fits, move the trigger to the left, and lay the nodes out to its right.
    for (let i = 0; i < 3; i++) await page.locator('.react-flow__controls-zoomout').click();
    const canvas = (await page.getByTestId('editor-canvas').boundingBox())!;
    const width = (await trigger.boundingBox())!.width;
    const row = canvas.y + canvas.height * 0.36;
    const column = (index: number): number => canvas.x + 30 + width / 2 + index * (width + 60);
    await move(page, 'trigger', column(0), row);
    await drop(page, 'filter', column(1), row);
    await drop(page, 'http', column(2), row - 70);
    await drop(page, 'end', column(3), row - 70);
    await drop(page, 'ignore', column(2), row + 90);
    await suite.browser.shot(page, 'authoring', '02-dropped');

    await connectHandles(page, sourceHandle(page, 'trigger'), targetHandle(page, 'filter'));
    await connectHandles(page, sourceHandle(page, 'filter', 'yes'), targetHandle(page, 'http'));
    await connectHandles(page, sourceHandle(page, 'filter', 'no'), targetHandle(page, 'ignore'));
    await connectHandles(page, sourceHandle(page, 'http'), targetHandle(page, 'end'));
    await page.locator('.react-flow__edge').nth(3).waitFor({ state: 'attached' });
    expect(await page.locator('.react-flow__edge').count()).toBe(4);

    // Inspector: the filter's condition, the http node's method and url.
    await canvasNode(page, 'filter').click();
    await page.getByTestId('inspector').getByTestId('field-condition').fill('event.amount > 100');
    await canvasNode(page, 'http').click();
    const inspector = page.getByTestId('inspector');
    await inspector.getByTestId('field-method').selectOption('PUT');
    await inspector.getByTestId('field-url').fill('http://127.0.0.1:9/orders');
    const save = page.getByTestId('save');
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    expect(await page.getByTestId('validation-panel').count()).toBe(0);
    await suite.browser.shot(page, 'authoring', '03-configured');
    await save.click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 2' }).waitFor();
    await suite.browser.shot(page, 'authoring', '04-saved');

    const saved = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flowId}`);
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);
    const types = Object.fromEntries(saved.body.graph.nodes.map((n) => [n.id, n.type]));
    expect(types).toEqual({ trigger: 'trigger', filter: 'filter', http: 'http', end: 'end', ignore: 'ignore' });
    const edges = saved.body.graph.edges.map((e) => `${e.source}:${e.sourceHandle ?? 'default'}->${e.target}`).sort();
    expect(edges).toEqual(['filter:no->ignore', 'filter:yes->http', 'http:default->end', 'trigger:default->filter']);
    const data = Object.fromEntries(saved.body.graph.nodes.map((n) => [n.id, n.data]));
    expect(data['filter']).toMatchObject({ condition: 'event.amount > 100' });
    expect(data['http']).toMatchObject({ method: 'PUT', url: 'http://127.0.0.1:9/orders' });
  });

  it('shows a validation error on the node it names, and refuses to save until it is fixed', async () => {
    const flow = await suite.app.api.createFlow(
      'Validation',
      graph(
        laidOut([
          node('start', 'trigger'),
          node('check', 'filter', { condition: 'event.amount > 100' }),
          node('call', 'http', { url: 'http://127.0.0.1:9/x', method: 'POST', timeoutMs: 1000 }),
          node('skip', 'ignore'),
        ]),
        [edge('start', 'check'), edge('check', 'call', 'yes'), edge('check', 'skip', 'no')],
      ),
    );
    const page = await suite.browser.open(`/flows/${flow.id}`);
    await canvasNode(page, 'check').click();
    await page.getByTestId('inspector').getByTestId('field-condition').fill('event.amount >');

    const invalid = canvasNode(page, 'check').locator('.sl-node__invalid');
    await invalid.waitFor();
    expect(await invalid.textContent()).toMatch(/condition|JSONata|parse/i);
    for (const other of ['start', 'call', 'skip']) expect(await canvasNode(page, other).locator('.sl-node__invalid').count()).toBe(0);
    await page.getByTestId('save-blocked').filter({ hasText: /problem/ }).waitFor();
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    await suite.browser.shot(page, 'validation', '01-error-on-node');

    // A forced click on the refused Save changes nothing on the server.
    await page.getByTestId('save').click({ force: true });
    await page.waitForTimeout(300);
    const unchanged = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(unchanged.body.version).toBe(1);
    expect(unchanged.body.graph.nodes.find((n) => n.id === 'check')?.data['condition']).toBe('event.amount > 100');

    // Fixing the condition clears the error and Save goes through.
    await page.getByTestId('inspector').getByTestId('field-condition').fill('event.amount > 10');
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    expect(await invalid.count()).toBe(0);
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 2' }).waitFor();
    await suite.browser.shot(page, 'validation', '02-fixed-and-saved');
  });

  it('warns in amber on a publish its own subscribe matches, lists it after errors, never blocks Save, and drops it once the topic no longer matches', async () => {
    const flow = await suite.app.api.createFlow(
      'Loop',
      graph(
        laidOut([
          node('listen', 'subscribe', { topic: 'loop' }),
          node('check', 'filter', { condition: 'event.amount > 1' }),
          node('announce', 'publish', { topic: 'loop' }),
        ]),
        [edge('listen', 'check'), edge('check', 'announce', 'yes')],
      ),
    );
    const page = await suite.browser.open(`/flows/${flow.id}`);
    const panel = page.getByTestId('validation-panel');
    const warning = canvasNode(page, 'announce').getByTestId('node-warning');

    // The warning sits on the publish node, without its `Node "id" (type)` prefix, in amber, and Save stays enabled.
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/^1publishes to "loop", which this flow's own subscribe node "listen" \("loop"\) matches/);
    expect(await warning.getAttribute('title')).toContain('SLUICE_MAX_PUBLISH_DEPTH');
    expect(await warning.evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).backgroundColor)).toBe('rgb(255, 245, 225)');
    expect(await canvasNode(page, 'announce').getAttribute('class')).toMatch(/\bhas-warnings\b/);
    expect(await canvasNode(page, 'announce').getAttribute('class')).not.toMatch(/\bhas-errors\b/);
    for (const other of ['listen', 'check']) expect(await canvasNode(page, other).getByTestId('node-warning').count()).toBe(0);
    expect(await page.locator('.sl-node__invalid').count()).toBe(0);
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    expect(await page.getByTestId('save-blocked').count()).toBe(0);
    expect(await page.getByTestId('save-warnings').textContent()).toBe('1 warning');

    // The panel shows for warnings alone, labelled as such.
    expect(await panel.getAttribute('data-errors')).toBe('0');
    expect(await panel.getAttribute('data-warnings')).toBe('1');
    expect(await panel.locator('.sl-problems__head').textContent()).toMatch(/^1 ?warning ?won't block saving/);
    expect(await panel.getByTestId('validation-warning').textContent()).toMatch(/^announcepublishes to "loop"/);
    await suite.browser.shot(page, 'validation-warnings', '01-loop-warning');

    // Clicking the warning selects the publish node; its inspector repeats the warning.
    await panel.getByTestId('validation-warning').click();
    await page.locator('[data-testid="node-announce"].is-selected').waitFor();
    expect(await page.getByTestId('inspector').getByTestId('inspector-warnings').textContent()).toMatch(/won't block saving.*publishes to "loop"/);
    await suite.browser.shot(page, 'validation-warnings', '02-warning-selected');

    // Save goes through with the warning.
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 2' }).waitFor();
    const saved = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(saved.body.version).toBe(2);

    // An error as well: errors first, then the warnings under their own label, and Save blocked by the error alone.
    await canvasNode(page, 'check').click();
    await page.getByTestId('inspector').getByTestId('field-condition').fill('event.amount >');
    await page.locator('[data-testid="validation-panel"][data-errors="1"]').waitFor();
    const items = await panel.locator('.sl-problems__list > li').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid') ?? row.className));
    expect(items).toEqual(['validation-error', 'sl-problems__section', 'validation-warning']);
    expect(await panel.locator('.sl-problems__section').textContent()).toBe("1 warning · won't block saving");
    expect(await panel.locator('.sl-problems__head').textContent()).toMatch(/^1 ?problem to fix before saving ?1 warning/);
    await page.getByTestId('save-blocked').filter({ hasText: 'Fix 1 problem to save' }).waitFor();
    expect(await warning.count()).toBe(1);
    await suite.browser.shot(page, 'validation-warnings', '03-error-and-warning');
    await page.getByTestId('inspector').getByTestId('field-condition').fill('event.amount > 1');
    await page.locator('[data-testid="validation-panel"][data-errors="0"]').waitFor();

    // A topic the subscribe does not match: the warning goes from the node, the panel and the toolbar.
    await canvasNode(page, 'announce').click();
    await page.getByTestId('inspector').getByTestId('field-topic').fill('loop.done');
    await warning.waitFor({ state: 'detached' });
    await panel.waitFor({ state: 'detached' });
    await page.locator('[data-testid="save"]:not([disabled])').waitFor();
    expect(await page.getByTestId('save-warnings').count()).toBe(0);
    expect(await canvasNode(page, 'announce').getAttribute('class')).not.toMatch(/\bhas-warnings\b/);
    await suite.browser.shot(page, 'validation-warnings', '04-warning-gone');
    await page.getByTestId('save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved as version 3' }).waitFor();
    const fixed = await suite.app.api.request<FlowDto>('GET', `/api/flows/${flow.id}`);
    expect(fixed.body.graph.nodes.find((n) => n.id === 'announce')?.data['topic']).toBe('loop.done');
  });
});
