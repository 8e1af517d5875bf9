import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ApiClient } from './api-client';
import { EmbeddedProcess, freePort } from './embedded-process';
import { TargetServer } from './target-server';

const ROOT = join(__dirname, '..', '..');
/** Where browser tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');

/** The flags TOOLCHAIN.md settled on for headless Chromium in containers and CI. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `npm start`'s process on a fresh DATA_DIR and a free port, with an API client for it. */
export class SluiceApp {
  private constructor(
    private current: EmbeddedProcess,
    readonly api: ApiClient,
    private readonly dataDir: string,
  ) {}

  get process(): EmbeddedProcess {
    return this.current;
  }

  /**
   * Kills the process (SIGKILL, as a crash or a forced redeploy would) and
   * starts it again on the same data and port with `env` (other API keys,
   * say). Pages stay open and see the server go away and come back.
   */
  async restart(env: Record<string, string>): Promise<void> {
    await this.current.kill();
    this.current = new EmbeddedProcess(this.dataDir, this.current.port, { SLUICE_SEED_SAMPLES: 'false', ...env });
    await this.current.start(90_000);
  }

  static async start(env: Record<string, string> = {}): Promise<SluiceApp> {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-browser-data-'));
    const process = new EmbeddedProcess(dataDir, await freePort(), { SLUICE_SEED_SAMPLES: 'false', ...env });
    await process.start(90_000);
    const html = await fetch(`${process.baseUrl}/`, { headers: { accept: 'text/html' } }).then((response) => response.text());
    if (!html.includes('id="root"')) throw new Error(`the API does not serve the editor build at /:\n${html.slice(0, 300)}`);
    return new SluiceApp(process, new ApiClient(process.baseUrl), dataDir);
  }

  get baseUrl(): string {
    return this.process.baseUrl;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Headless Chromium (playwright-core driving /usr/bin/chromium) with a
 * watch on every page: uncaught exceptions and console errors are collected
 * so a test can fail on them, and screenshots land in test-results/screenshots.
 */
export class BrowserSession {
  /** `pageerror` and console `error` messages of every page, with the page's URL. */
  readonly errors: string[] = [];

  private constructor(
    private readonly context: BrowserContext,
    private readonly profileDir: string,
    readonly baseUrl: string,
  ) {}

  static async launch(baseUrl: string): Promise<BrowserSession> {
    const profileDir = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 960 },
      deviceScaleFactor: 1,
    });
    context.setDefaultTimeout(15_000);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    return new BrowserSession(context, profileDir, baseUrl);
  }

  /** A fresh page, watched for errors, at `path`; `prepare` runs before it navigates (routes, init scripts, listeners). */
  async open(path: string, prepare?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (error) => this.errors.push(`pageerror at ${page.url()}: ${error.stack ?? error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console.error at ${page.url()}: ${message.text()}`);
    });
    await prepare?.(page);
    await page.goto(`${this.baseUrl}${path}`);
    return page;
  }

  /** Saves test-results/screenshots/<test>-<step>.png. */
  async shot(page: Page, test: string, step: string): Promise<string> {
    const path = join(SCREENSHOT_DIR, `${test}-${step}.png`);
    await page.screenshot({ path });
    return path;
  }

  /** Throws with every collected page error, then forgets them. */
  assertNoPageErrors(): void {
    const errors = this.errors.splice(0);
    if (errors.length > 0) throw new Error(`the page reported ${errors.length} error(s):\n${errors.join('\n')}`);
  }

  async closePages(): Promise<void> {
    await Promise.all(this.context.pages().map((page) => page.close()));
  }

  async close(): Promise<void> {
    await this.context.close();
    await rm(this.profileDir, { recursive: true, force: true });
  }
}

/** The canvas node element of `nodeId` (the testability contract of docs/editor.md). */
export function canvasNode(page: Page, nodeId: string): Locator {
  return page.getByTestId(`node-${nodeId}`);
}

/** Waits until the node shows `status` in its `data-status`, failing with the status it has. */
export async function waitForNodeStatus(page: Page, nodeId: string, status: string, timeoutMs = 15_000): Promise<void> {
  try {
    await page.locator(`[data-testid="node-${nodeId}"][data-status="${status}"]`).waitFor({ state: 'attached', timeout: timeoutMs });
  } catch {
    const actual = await canvasNode(page, nodeId).getAttribute('data-status', { timeout: 1000 }).catch(() => 'missing');
    throw new Error(`node ${nodeId} did not show status "${status}" within ${timeoutMs} ms (it shows "${actual}")`);
  }
}

/** Statuses of every canvas node on the page, by node id. */
export async function nodeStatuses(page: Page): Promise<Record<string, string>> {
  const nodes = page.locator('[data-testid^="node-"][data-status]');
  const out: Record<string, string> = {};
  for (const node of await nodes.all()) {
    const testId = (await node.getAttribute('data-testid')) ?? '';
    out[testId.slice('node-'.length)] = (await node.getAttribute('data-status')) ?? '';
  }
  return out;
}

/** Drags from one React Flow handle to another with real mouse moves, as a person connects nodes. */
export async function connectHandles(page: Page, from: Locator, to: Locator): Promise<void> {
  const start = await center(from);
  const end = await center(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 8 });
  await page.mouse.move(end.x, end.y, { steps: 8 });
  await page.mouse.up();
}

/** The source handle of a node (`null` for the default handle) and the target handle. */
export function sourceHandle(page: Page, nodeId: string, handle: string | null = null): Locator {
  const id = handle === null ? ':not([data-handleid])' : `[data-handleid="${handle}"]`;
  return page.locator(`.react-flow__handle.source[data-nodeid="${nodeId}"]${id}`);
}

export function targetHandle(page: Page, nodeId: string): Locator {
  return page.locator(`.react-flow__handle.target[data-nodeid="${nodeId}"]`);
}

async function center(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`no bounding box for ${String(locator)}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** What a browser suite works with; filled in by `browserSuite`'s beforeAll. */
export interface BrowserSuite {
  app: SluiceApp;
  browser: BrowserSession;
  /** A scriptable HTTP target for `http` nodes. */
  target: TargetServer;
}

/**
 * Registers the hooks every browser suite shares: a fresh app (started with
 * `options.env`, e.g. `SLUICE_API_KEYS`) and target, one browser session,
 * pages closed after each test, and a failure on any page error or console
 * error.
 */
export function browserSuite(options: { env?: Record<string, string> } = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    [suite.app, suite.target] = await Promise.all([SluiceApp.start(options.env), new TargetServer().start()]);
    suite.browser = await BrowserSession.launch(suite.app.baseUrl);
  });
  afterEach(async () => {
    await suite.browser.closePages();
    suite.browser.assertNoPageErrors();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await Promise.all([suite.app?.stop(), suite.target?.stop()]);
  });
  return suite;
}
