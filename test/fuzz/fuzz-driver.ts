import { writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { BodyRecipe, Draft, IdPool } from './generators';
import type { FuzzRoute } from './routes';

/**
 * Tables whose counts a refused request must leave as they were, plus two counts of rows changed in place.
 * `history` counts events: each batch row holds `last_seq - first_seq + 1` of them.
 */
const COUNTS_SQL = `SELECT
  (SELECT count(*) FROM flows)::int AS flows,
  (SELECT count(*) FROM flows WHERE archived)::int AS archived_flows,
  (SELECT count(*) FROM flow_versions)::int AS flow_versions,
  (SELECT count(*) FROM runs)::int AS runs,
  (SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM history)::int AS history,
  (SELECT count(*) FROM outbox)::int AS outbox,
  (SELECT count(*) FROM timers)::int AS timers,
  (SELECT count(*) FROM dead_letters)::int AS dead_letters,
  (SELECT count(*) FROM dead_letters WHERE status = 'open')::int AS open_dead_letters,
  (SELECT count(*) FROM idempotency_keys)::int AS idempotency_keys`;
export type Counts = Record<string, number>;

/** What the driver needs of a running Sluice. */
export interface FuzzTarget {
  baseUrl: string;
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

/** A broken promise: which route, what was sent, what came back. */
export interface Violation {
  route: string;
  rule: string;
  request: string;
  detail: string;
}

interface Outcome {
  /** HTTP status, or a failure to get one; `hung up` is a raw request closed or left unanswered (it may be incomplete). */
  status: number | 'no answer' | 'unsendable' | 'hung up';
  headers: IncomingHttpHeaders;
  body: string;
  error?: string;
}

/** Per route: cases sent and how many got each status. */
export interface RouteStats {
  cases: number;
  statuses: Map<string, number>;
}

const ANSWER_TIMEOUT_MS = 15_000;
const SETTLE_TIMEOUT_MS = 10_000;
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sends generated requests to a real Sluice on loopback and checks, per
 * case: no 5xx (a 503 with Retry-After excepted), a 4xx answers JSON in the
 * error shape, and a refused request (or any read) leaves every table's
 * row count as it was. After an accepted write it waits until the work that
 * write started has settled, then takes a new snapshot.
 */
export class FuzzDriver {
  readonly stats = new Map<string, RouteStats>();
  readonly violations: Violation[] = [];
  /** Writes the API acknowledged, to check the final row counts against. */
  readonly accepted = { flowsCreated: 0, versionsSaved: 0, runsStarted: 0 };
  readonly pools: Record<IdPool, string[]> = { triggerFlow: [], anyFlow: [], scratchFlow: [], run: [], deadLetter: [], replay: [] };
  private snapshot: Counts = {};
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;

  constructor(private readonly target: FuzzTarget, private readonly fixtures: { triggerFlows: string[]; protectedFlows: string[] }) {
    this.url = new URL(target.baseUrl);
    if (this.url.hostname !== '127.0.0.1' && this.url.hostname !== '[::1]') throw new Error(`fuzz only targets loopback, not ${this.url.hostname}`);
  }

  async start(): Promise<Counts> {
    await this.settle();
    await this.refreshPools();
    this.snapshot = await this.counts();
    return { ...this.snapshot };
  }

  close(): void {
    this.agent.destroy();
  }

  async counts(): Promise<Counts> {
    const [row] = await this.target.sql<Counts>(COUNTS_SQL);
    return row ?? {};
  }

  /** Sends one case and checks it. */
  async runCase(route: FuzzRoute, draft: Draft): Promise<void> {
    const path = this.resolvePath(draft, route);
    // FUZZ_TRACE=file keeps the request in flight on disk, to name the culprit if the process dies.
    const trace = process.env['FUZZ_TRACE'];
    if (trace) writeFileSync(trace, `${new Date().toISOString()} ${route.name}\n${describeRequest(draft, path)}\n`);
    const outcome = draft.raw === undefined ? await this.send(draft, path, route.stream === true) : await this.sendRaw(draft.raw);
    // A raw request's method is its first word.
    const method = draft.raw === undefined ? draft.method : (draft.raw.split(' ', 1)[0] ?? '').toUpperCase();
    const stats = this.stats.get(route.name) ?? { cases: 0, statuses: new Map<string, number>() };
    stats.cases++;
    const key = process.env['FUZZ_CODES'] && typeof outcome.status === 'number' && outcome.status >= 400 ? `${outcome.status}:${errorCode(outcome.body)}` : String(outcome.status);
    stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1);
    this.stats.set(route.name, stats);
    const described = () => describeRequest(draft, path);
    const fail = (rule: string, detail: string) => this.violations.push({ route: route.name, rule, request: described(), detail });

    if (outcome.status === 'unsendable' || outcome.status === 'hung up') return;
    if (outcome.status === 'no answer') {
      fail('answers every request', outcome.error ?? 'no answer');
      return;
    }
    const status = outcome.status;
    if (status >= 500 && !(status === 503 && outcome.headers['retry-after'] !== undefined)) {
      fail('no 5xx', `${status} ${outcome.body.slice(0, 500)}`);
    }
    if (status >= 400 && status < 500 && method !== 'HEAD') {
      const problem = errorShapeProblem(outcome);
      if (problem) fail('4xx in the error shape', `${status} ${problem}: ${outcome.body.slice(0, 300)}`);
    }
    const writeAccepted = status < 400 && !READS.has(method);
    if (!writeAccepted) {
      const after = await this.counts();
      const changed = changedCounts(this.snapshot, after);
      if (changed) {
        fail(status >= 400 ? 'a refused request writes nothing' : 'a read writes nothing', `${status}: ${changed}`);
        await this.settle();
        this.snapshot = await this.counts();
      }
      return;
    }
    this.countAccepted(method, status, outcome.body);
    if (!(await this.settle())) fail('work started by a request settles', `still busy ${SETTLE_TIMEOUT_MS} ms after ${status}: ${await this.busy()}`);
    this.snapshot = await this.counts();
    await this.refreshPools();
  }

  /** GET /health/live answers 200. */
  async alive(): Promise<boolean> {
    const outcome = await this.send({ method: 'GET', segments: [], query: '', headers: {}, body: { kind: 'none' }, encoding: 'identity' }, '/health/live', false);
    return outcome.status === 200;
    return outcome.status === 200;
  }

  /** Waits until no run is queued or running and the outbox is empty. */
  async settle(): Promise<boolean> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const [row] = await this.target.sql<{ busy: number }>(
        `SELECT ((SELECT count(*) FROM runs WHERE status IN ('queued', 'running')) + (SELECT count(*) FROM outbox))::int AS busy`,
      );
      if ((row?.busy ?? 0) === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** What keeps Sluice busy: runs not finished and outbox rows. */
  async busy(): Promise<string> {
    const rows = await this.target.sql(
      `SELECT 'run' AS kind, id::text, status AS what, state->'steps' AS detail FROM runs WHERE status IN ('queued', 'running')
       UNION ALL SELECT 'outbox', id::text, message->>'kind', message FROM outbox LIMIT 5`,
    );
    return JSON.stringify(rows).slice(0, 1500);
  }

  async refreshPools(): Promise<void> {
    const ids = async (text: string) => (await this.target.sql<{ id: string }>(text)).map((row) => row.id);
    const protectedFlows = this.fixtures.protectedFlows;
    this.pools.triggerFlow = [...this.fixtures.triggerFlows];
    this.pools.anyFlow = await ids('SELECT id FROM flows ORDER BY created_at DESC LIMIT 40');
    this.pools.scratchFlow = (await ids('SELECT id FROM flows WHERE NOT archived ORDER BY created_at DESC LIMIT 40'))
      .filter((id) => !protectedFlows.includes(id));
    this.pools.run = await ids('SELECT id FROM runs ORDER BY started_at DESC LIMIT 40');
    this.pools.deadLetter = await ids('SELECT id FROM dead_letters ORDER BY created_at DESC LIMIT 20');
    this.pools.replay = await ids('SELECT id FROM replays ORDER BY created_at DESC LIMIT 20');
  }

  private countAccepted(method: string, status: number, text: string): void {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (method === 'POST' && status === 201 && body['version'] === 1 && typeof body['id'] === 'string') this.accepted.flowsCreated++;
    if (method === 'PUT' && status === 200 && typeof body['version'] === 'number') this.accepted.versionsSaved++;
    if (status === 202 && typeof body['runId'] === 'string' && body['deduplicated'] === false) this.accepted.runsStarted++;
    if (status === 202 && Array.isArray(body['runIds'])) this.accepted.runsStarted += body['runIds'].length;
  }

  /**
   * Fills in pool ids. A read route whose method was swapped for a write
   * (GET /api/flows/:id sent as DELETE or PUT) gets a scratch flow, so the
   * fixtures keep their graphs and stay active.
   */
  private resolvePath(draft: Draft, route: FuzzRoute): string {
    const swappedToWrite = draft.method !== route.method && !READS.has(draft.method);
    const parts = draft.segments.map((segment) => {
      if (typeof segment === 'string') return segment;
      const name = swappedToWrite && (segment.pool === 'anyFlow' || segment.pool === 'triggerFlow') ? 'scratchFlow' : segment.pool;
      const pool = this.pools[name];
      return pool.length === 0 ? NO_SUCH_ID : (pool[segment.pick % pool.length] as string);
    });
    return `/${parts.join('/')}${draft.query}`;
  }

  /** Writes raw bytes to a fresh socket and reads one answer (or notes that none came). */
  private sendRaw(text: string): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const chunks: Buffer[] = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        const answer = parseAnswer(Buffer.concat(chunks));
        resolve(answer ? { status: answer.status, headers: answer.headers, body: answer.body } : { status: 'hung up', headers: {}, body: '' });
      };
      const socket = connect(Number(this.url.port), this.url.hostname, () => socket.write(Buffer.from(text, 'latin1')));
      const timer = setTimeout(finish, RAW_ANSWER_MS);
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (parseAnswer(Buffer.concat(chunks))?.complete) finish();
      });
      socket.on('close', finish);
      socket.on('error', finish);
    });
  }

  private send(draft: Draft, path: string, stream: boolean): Promise<Outcome> {
    let body: Buffer | undefined = bodyBytes(draft.body);
    const headers: Record<string, string | string[]> = { ...draft.headers };
    if (body !== undefined && draft.encoding !== 'identity') {
      const encoded = encode(body, draft.encoding);
      body = encoded.body;
      headers['content-encoding'] = encoded.header;
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome) => {
        if (!settled) {
          settled = true;
          resolve(outcome);
        }
      };
      let request: ReturnType<typeof httpRequest>;
      try {
        request = httpRequest({
          host: this.url.hostname, port: this.url.port, method: draft.method, path, headers,
          agent: stream ? false : this.agent, timeout: ANSWER_TIMEOUT_MS,
        });
      } catch (error) {
        // Node's client refuses some paths and header values itself; those never reach Sluice.
        finish({ status: 'unsendable', headers: {}, body: '', error: String(error) });
        return;
      }
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (stream && status === 200) {
          finish({ status, headers: response.headers, body: '' });
          response.destroy();
          request.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => finish({ status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => finish({ status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), error: String(error) }));
      });
      request.on('timeout', () => {
        request.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`));
      });
      request.on('error', (error) => finish({ status: 'no answer', headers: {}, body: '', error: String(error) }));
      request.end(body);
    });
  }
}

const RAW_ANSWER_MS = 1500;

/** Reads one HTTP/1.1 answer off a socket: head, then a Content-Length or chunked body, or until close. */
function parseAnswer(bytes: Buffer): { status: number; headers: IncomingHttpHeaders; body: string; complete: boolean } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  if (!Number.isInteger(status)) return undefined;
  // An interim answer (100 Continue) comes before the real one.
  if (status < 200) return parseAnswer(bytes.subarray(end + 4));
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = bytes.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isInteger(length)) return { status, headers, body: body.subarray(0, length).toString('utf8'), complete: body.length >= length };
  if (headers['transfer-encoding'] === 'chunked') {
    const complete = body.includes('0\r\n\r\n');
    return { status, headers, body: complete ? dechunk(body) : '', complete };
  }
  return { status, headers, body: body.toString('utf8'), complete: false };
}

function dechunk(body: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

function bodyBytes(recipe: BodyRecipe): Buffer | undefined {
  switch (recipe.kind) {
    case 'none': return undefined;
    case 'json': return Buffer.from(JSON.stringify(recipe.value) ?? 'null', 'utf8');
    case 'text': return Buffer.from(recipe.text, 'utf8');
    case 'bytes': return Buffer.from(recipe.bytes);
    case 'big': return Buffer.from(JSON.stringify({ blob: 'x'.repeat(Math.max(0, recipe.size - 12)) }), 'utf8');
  }
}

function encode(body: Buffer, encoding: Exclude<Draft['encoding'], 'identity'>): { body: Buffer; header: string } {
  switch (encoding) {
    case 'gzip': return { body: gzipSync(body), header: 'gzip' };
    case 'deflate': return { body: deflateSync(body), header: 'deflate' };
    case 'br': return { body: brotliCompressSync(body), header: 'br' };
    case 'bad-gzip': return { body, header: 'gzip' };
    case 'unknown': return { body, header: 'x-fuzz' };
  }
}

/** Why a 4xx answer is not `{ error: { code, message } }` JSON, or undefined when it is. */
function errorShapeProblem(outcome: Outcome): string | undefined {
  const type = String(outcome.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return `content-type "${type}"`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.body);
  } catch {
    return 'body is not JSON';
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return 'no error.code and error.message';
  return undefined;
}

/** `error.code` of an error body, for FUZZ_CODES=1 tables. */
function errorCode(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: { code?: unknown } }).error?.code);
  } catch {
    return 'not-json';
  }
}

function changedCounts(before: Counts, after: Counts): string | undefined {
  const changes = Object.keys(after).filter((key) => after[key] !== before[key]).map((key) => `${key} ${before[key]} → ${after[key]}`);
  return changes.length === 0 ? undefined : changes.join(', ');
}

/** A request as a readable line (bodies cut short). */
export function describeRequest(draft: Draft, path: string): string {
  if (draft.raw !== undefined) return `RAW ${JSON.stringify(draft.raw.length > 600 ? `${draft.raw.slice(0, 600)}…` : draft.raw)}`;
  const body = (() => {
    switch (draft.body.kind) {
      case 'none': return '';
      case 'json': return JSON.stringify(draft.body.value) ?? '';
      case 'text': return draft.body.text;
      case 'bytes': return `<${draft.body.bytes.length} bytes>`;
      case 'big': return `<${draft.body.size} bytes of JSON>`;
    }
  })();
  const shown = body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body;
  const headers = JSON.stringify(draft.headers);
  return `${draft.method} ${path.length > 300 ? `${path.slice(0, 300)}…` : path} ${headers.length > 300 ? `${headers.slice(0, 300)}…` : headers}`
    + `${draft.encoding === 'identity' ? '' : ` [${draft.encoding}]`} ${shown}`;
}

/** The per-route table: cases and the count of each status. */
export function formatStats(stats: Map<string, RouteStats>): string {
  const rows = [...stats.entries()];
  const width = Math.max(5, ...rows.map(([name]) => name.length));
  const lines = [`${'route'.padEnd(width)}  ${'cases'.padStart(6)}  statuses`];
  let total = 0;
  for (const [name, item] of rows) {
    total += item.cases;
    const statuses = [...item.statuses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${status}×${count}`).join(' ');
    lines.push(`${name.padEnd(width)}  ${String(item.cases).padStart(6)}  ${statuses}`);
  }
  lines.push(`${'total'.padEnd(width)}  ${String(total).padStart(6)}`);
  return lines.join('\n');
}
