import fc from 'fast-check';
import { longText, nastyValue, nestedJson, unicodeText } from './values';

/**
 * fast-check generators for requests to Sluice. A request is generated as a
 * `Draft`: ids of existing resources are references into pools that the
 * driver fills from the database while the fuzz runs, so generation stays
 * pure and seeded.
 */

/** Which existing resources an id may name. */
export type IdPool = 'triggerFlow' | 'anyFlow' | 'scratchFlow' | 'run' | 'deadLetter' | 'replay';

/** A path segment: literal text (already percent-encoded) or an existing id. */
export type Segment = string | { pool: IdPool; pick: number };

export type BodyRecipe =
  | { kind: 'none' }
  /** Serialised with JSON.stringify. */
  | { kind: 'json'; value: unknown }
  /** Sent as it is (malformed JSON, deep nesting, escapes). */
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  /** A JSON string of about `size` bytes, built when sent (bodies near SLUICE_MAX_BODY). */
  | { kind: 'big'; size: number };

/** Content-Encoding of the body; `bad-gzip` claims gzip and sends something else. */
export type Encoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'bad-gzip' | 'unknown';

export interface Draft {
  method: string;
  segments: Segment[];
  /** '' or `?…`, already encoded. */
  query: string;
  /** A string array sends the header once per value. */
  headers: Record<string, string | string[]>;
  body: BodyRecipe;
  encoding: Encoding;
  /** Bytes (Latin-1) sent over a plain socket instead of a request built from the fields above. */
  raw?: string;
}

/** The http node URL every generated graph uses: loopback, a port nothing listens on. Mutations never touch it. */
export const LOOPBACK_URL = 'http://127.0.0.1:9/fuzz-sink';
/** Subscribe patterns of generated graphs start with this word, which no fuzzed topic does, so generated flows never run. */
export const PRIVATE_TOPIC_WORD = 'fuzz-private';
/** Keys whose values mutations leave alone, so no generated flow can reach beyond loopback or match a fuzzed topic. */
const PROTECTED_KEYS = new Set(['url', 'topic']);

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,9}$/);

/** A routing key such as `fuzz.orders.created`: its first word is never PRIVATE_TOPIC_WORD. */
export const routingKey = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => ['fuzz', ...words].join('.'));

// ---------------------------------------------------------------- JSON mutations

type Mutation = { at: number; op: 'replace' | 'delete' | 'add' | 'wrap' | 'stringify'; key: string; value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add', 'wrap', 'stringify'),
  key: fc.oneof(word, unicodeText(8), fc.constantFrom('__proto__', 'constructor', 'extra', '')),
  value: nastyValue,
});

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number } | { parent: undefined; key: 'root' };

/** Every place in a JSON tree a mutation may hit, found iteratively; protected keys are skipped. */
function slots(root: unknown): Slot[] {
  const found: Slot[] = [{ parent: undefined, key: 'root' }];
  const stack: unknown[] = [root];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (Array.isArray(value)) {
      value.forEach((element, index) => {
        found.push({ parent: value, key: index });
        stack.push(element);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, element] of Object.entries(value)) {
        if (PROTECTED_KEYS.has(key)) continue;
        found.push({ parent: value as Record<string, unknown>, key });
        stack.push(element);
      }
    }
  }
  return found;
}

/** A fresh copy of a JSON value: generated values may be shared constants, which a later mutation must not change. */
function copyJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
}

function applyMutation(root: unknown, given: Mutation): unknown {
  const mutation = { ...given, value: copyJson(given.value) };
  const all = slots(root);
  const slot = all[mutation.at % all.length] as Slot;
  const current = slot.parent === undefined ? root : (slot.parent as Record<string | number, unknown>)[slot.key];
  let next: unknown;
  switch (mutation.op) {
    case 'replace': next = mutation.value; break;
    case 'wrap': next = [current]; break;
    case 'stringify': next = JSON.stringify(current) ?? 'undefined'; break;
    case 'add':
      if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
        (current as Record<string, unknown>)[mutation.key] = mutation.value;
        return root;
      }
      next = mutation.value;
      break;
    case 'delete':
      if (slot.parent === undefined) return undefined;
      if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
      else delete slot.parent[slot.key as string];
      return root;
  }
  if (slot.parent === undefined) return next;
  (slot.parent as Record<string | number, unknown>)[slot.key] = next;
  return root;
}

/** The value, or a copy with 1–3 mutations (wrong types, edge numbers, NUL, deep nesting, removed or added keys). */
export function mutated<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([value, mutations]) => {
        let copy = copyJson(value);
        for (const mutation of mutations) copy = applyMutation(copy, mutation);
        return copy;
      }),
    },
  );
}

// ---------------------------------------------------------------- graphs and payloads

const expression = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('event', 'event.amount > 100', '$sum(event.items.price)', '{ "id": event.id, "n": $count(event.items) }', 'steps', '$uppercase(event.name)') },
  { weight: 1, arbitrary: fc.constantFrom('(', '$$', '', 'event.', '$sort([1..100000])', '$match("aaaa!", /(a+)+$/)') },
  { weight: 1, arbitrary: unicodeText(30) },
);

/** Mostly within bounds; now and then one of the values the bounds exist for. */
const sometimes = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: odd });

const retryPolicy = fc.record({
  maxAttempts: sometimes(fc.integer({ min: 1, max: 100 }), nastyValue),
  initialIntervalMs: sometimes(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(1e16, -1, 86_400_001)),
  backoffCoefficient: sometimes(fc.double({ min: 1, max: 10, noNaN: true }), fc.constantFrom(0, 11, 1e9)),
  maxIntervalMs: sometimes(fc.integer({ min: 60_000, max: 86_400_000 }), fc.constantFrom(86_400_001, 1e16)),
  jitter: sometimes(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-1, 2)),
}, { requiredKeys: [] });

const MIDDLE_TYPES = ['filter', 'transform', 'http', 'delay', 'publish'] as const;
type MiddleType = (typeof MIDDLE_TYPES)[number];

function middleData(type: MiddleType): fc.Arbitrary<Record<string, unknown>> {
  switch (type) {
    case 'filter': return fc.record({ condition: expression });
    case 'transform': return fc.record({ expression });
    case 'http': return fc.record({
      url: fc.constant(LOOPBACK_URL),
      method: sometimes(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.constantFrom('TRACE', 'get', '')),
      timeoutMs: sometimes(fc.integer({ min: 1, max: 60_000 }), nastyValue),
      body: expression,
      headers: fc.dictionary(word, fc.oneof(word, unicodeText(10)), { maxKeys: 3 }),
    }, { requiredKeys: ['url', 'method'] });
    case 'delay': return fc.record({ ms: sometimes(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(30 * 86_400_000 + 1, -1, 1.5)) });
    case 'publish': return routingKey.map((topic) => ({ topic: `fuzz-out.${topic}` }));
  }
}

const middleNode = fc.constantFrom(...MIDDLE_TYPES).chain((type) =>
  fc.record({ type: fc.constant(type), data: middleData(type), retry: fc.option(retryPolicy, { nil: undefined, freq: 3 }), label: fc.option(unicodeText(30), { nil: undefined }) }));

const position = fc.record({ x: fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.double({ noNaN: true, noDefaultInfinity: true })), y: fc.integer({ min: -2000, max: 2000 }) });

/**
 * A flow graph that is often valid: an entry (trigger, maybe with a payload
 * schema, or a subscribe on a private topic), a chain of middle nodes, and a
 * terminal (end or ignore); filters send `no` to an ignore.
 */
export const graphArb = fc.record({
  entry: fc.oneof(
    fc.constant({ type: 'trigger', data: {} as Record<string, unknown> }),
    fc.constant({ type: 'trigger', data: { schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } } } }),
    word.map((topic) => ({ type: 'subscribe', data: { topic: `${PRIVATE_TOPIC_WORD}.${topic}` } as Record<string, unknown> })),
  ),
  middle: fc.array(middleNode, { maxLength: 6 }),
  terminal: fc.constantFrom('end', 'ignore'),
  positions: fc.array(position, { minLength: 16, maxLength: 16 }),
}).map(({ entry, middle, terminal, positions }) => {
  const nodes: { id: string; type: string; position: unknown; data: Record<string, unknown> }[] = [];
  const edges: { id: string; source: string; target: string; sourceHandle: string | null }[] = [];
  const add = (type: string, data: Record<string, unknown>) => {
    const id = `n${nodes.length}`;
    nodes.push({ id, type, position: positions[nodes.length % positions.length], data });
    return id;
  };
  let previous = add(entry.type, entry.data);
  let handle: string | null = null;
  for (const item of middle) {
    const data: Record<string, unknown> = { ...item.data };
    if (item.retry !== undefined) data['retry'] = item.retry;
    if (item.label !== undefined) data['label'] = item.label;
    const id = add(item.type, data);
    edges.push({ id: `e${edges.length}`, source: previous, target: id, sourceHandle: handle });
    if (item.type === 'filter') {
      const skip = add('ignore', { reason: 'not significant' });
      edges.push({ id: `e${edges.length}`, source: id, target: skip, sourceHandle: 'no' });
      handle = 'yes';
    } else handle = null;
    previous = id;
  }
  const last = add(terminal, {});
  edges.push({ id: `e${edges.length}`, source: previous, target: last, sourceHandle: handle });
  return { nodes, edges };
});

export const flowName = fc.oneof(
  { weight: 6, arbitrary: word },
  { weight: 3, arbitrary: unicodeText(40) },
  { weight: 1, arbitrary: fc.constantFrom(longText(200, '😀'), longText(200), longText(201), '  x  ', '') },
);

export const createFlowBody = fc.record(
  { name: flowName, description: fc.option(unicodeText(60), { nil: null }), graph: graphArb },
  { requiredKeys: ['name', 'graph'] },
);
export const saveFlowBody = fc.record(
  { name: flowName, description: fc.option(unicodeText(60), { nil: null }), graph: graphArb },
  { requiredKeys: ['graph'] },
);

export const payloadArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ amount: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), orderId: unicodeText(12) }),
  fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' }),
);

// ---------------------------------------------------------------- bodies

const malformedJson = fc.constantFrom(
  '{', '}', '[', '{"a":', '{"a":1,}', "{'a':1}", '{a:1}', 'NaN', 'undefined', '01', '1e999', '-', '"\\x"', '"\\u12"',
  '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\u0001"}', 'true false', ' ', '\n', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}',
);

/** Text that passes or breaks the edge's depth and NUL checks. */
const edgeText = fc.oneof(
  fc.tuple(fc.constantFrom(60, 63, 64, 65, 66, 100, 1000, 5000), fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>)
    .map(([depth, kind]) => nestedJson(depth, kind)),
  fc.constantFrom('{"a":"\\u0000"}', '{"\\u0000":1}', '["\\u0000"]', '"\\u0000"', '{"a":"\\\\u0000"}', '{"a":"x\\u0000y","b":[1]}'),
  unicodeText(20).map((text) => JSON.stringify({ text }).replace('"}', '\\u0000"}')),
);

/** A body for a route whose valid body is `valid`: mostly the valid body mutated, sometimes anything at all. */
export function bodyArb(valid: fc.Arbitrary<unknown>): fc.Arbitrary<BodyRecipe> {
  return fc.oneof(
    { weight: 10, arbitrary: mutated(valid).map((value): BodyRecipe => (value === undefined ? { kind: 'none' } : { kind: 'json', value })) },
    { weight: 2, arbitrary: fc.constant<BodyRecipe>({ kind: 'none' }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5, stringUnit: 'grapheme' }).map((value): BodyRecipe => ({ kind: 'json', value })) },
    { weight: 2, arbitrary: malformedJson.map((text): BodyRecipe => ({ kind: 'text', text })) },
    { weight: 3, arbitrary: edgeText.map((text): BodyRecipe => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): BodyRecipe => ({ kind: 'bytes', bytes })) },
    { weight: 1, arbitrary: unicodeText(60).map((text): BodyRecipe => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.constantFrom(1024 * 1024 - 64, 1024 * 1024 + 1, 3 * 1024 * 1024).map((size): BodyRecipe => ({ kind: 'big', size })) },
  );
}

/** A request with no meaningful body: usually none, sometimes something anyway. */
export const noBodyArb: fc.Arbitrary<BodyRecipe> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<BodyRecipe>({ kind: 'none' }) },
  { weight: 2, arbitrary: bodyArb(fc.constant({})) },
);

export const encodingArb: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<Encoding>('identity') },
  { weight: 1, arbitrary: fc.constantFrom<Encoding>('gzip', 'deflate', 'br', 'bad-gzip', 'unknown') },
);

// ---------------------------------------------------------------- path segments and ids

/** Path segment text that names nothing: random uuids, malformed escapes, traversal, long and odd text. */
export const garbageSegment: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => `{${id}}`),
  fc.constantFrom('not-a-uuid', '..', '%2e%2e', '.', '%00', '%2F', 'a%2Fb', '%', '%zz', '%C0%AF', '%E2%80%AE', '%20', '+', 'null', '0',
    '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '%u0000', '%%', '%25', '~', ';', 'a;b=c', "'", '*', '#'.replace('#', '%23')),
  unicodeText(20).map(encodeURIComponent),
  fc.integer({ min: 200, max: 6000 }).map((length) => longText(length, 'z')),
);

/** A path segment for an id: an existing one of `pool`, or garbage. */
export function idSegment(pool: IdPool): fc.Arbitrary<Segment> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((pick): Segment => ({ pool, pick })) },
    { weight: 1, arbitrary: garbageSegment },
  );
}

// ---------------------------------------------------------------- query strings

/** A query parameter with valid-ish values. */
export type QueryParam = [name: string, value: fc.Arbitrary<string>];

const nastyQueryValue = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1.5', '1e3', '0x10', '3000000000', '2147483648', '2147483647', '9'.repeat(400), 'NaN', 'Infinity',
    '%00', '%zz', '%', 'null', 'true', '[]', '{}', '%E0%A4%A', '+', '%2B', 'a&b', 'garbage'),
  unicodeText(20).map(encodeURIComponent),
  fc.integer({ min: 1, max: 5000 }).map((length) => longText(length, 'q')),
);

/**
 * A query string over `params`: each present or not, valid or mutated, plus
 * repeated keys, `key[]=` forms, unknown keys and malformed pieces.
 */
export function queryArb(params: QueryParam[]): fc.Arbitrary<string> {
  const piece = (name: string, value: fc.Arbitrary<string>) => fc.oneof(
    { weight: 6, arbitrary: value.map((v) => `${name}=${encodeURIComponent(v)}`) },
    { weight: 3, arbitrary: nastyQueryValue.map((v) => `${name}=${v}`) },
    { weight: 1, arbitrary: fc.tuple(value, nastyQueryValue).map(([a, b]) => `${name}=${encodeURIComponent(a)}&${name}=${b}`) },
    { weight: 1, arbitrary: value.map((v) => `${name}[]=${encodeURIComponent(v)}`) },
    { weight: 1, arbitrary: value.map((v) => `${name}[a]=${encodeURIComponent(v)}&${name}=1`) },
    { weight: 1, arbitrary: fc.constant(name) },
  );
  const pieces = params.map(([name, value]) => fc.option(piece(name, value), { nil: undefined, freq: 2 }));
  const extra = fc.option(fc.oneof(
    fc.constantFrom('&&&', '=', '==x', '%00=%00', 'a=%zz', '__proto__[x]=1', 'constructor[prototype][x]=1', '?', '#frag'.replace('#', '%23')),
    fc.tuple(word, nastyQueryValue).map(([k, v]) => `${k}=${v}`),
  ), { nil: undefined, freq: 4 });
  return fc.tuple(fc.tuple(...pieces), extra, fc.boolean()).map(([chosen, more, shuffle]) => {
    const parts = [...chosen, more].filter((part): part is string => part !== undefined);
    if (shuffle) parts.reverse();
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

// ---------------------------------------------------------------- headers

/** Header values Node's client can send: tab, printable ASCII and Latin-1. */
const latin1 = (maxLength: number) => fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((code) => String.fromCharCode(code)), maxLength });

const contentTypes = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=UTF-8', 'application/json;charset=utf8',
  'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=koi8-r', 'application/json; charset=""',
  'application/json; charset=nonsense', 'application/vnd.api+json', 'application/merge-patch+json', 'application/json;;', 'application/json; x',
  'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '*/*', '', 'json', 'application/',
);

export interface HeaderOptions {
  /** The route changes state (or takes a body): send `content-type: application/json` unless mutated. */
  json: boolean;
  /** The route reads an Idempotency-Key. */
  idempotencyKey?: boolean;
}

/** Request headers: the right content type most of the time, then odd, missing, repeated and unknown headers. */
export function headersArb(options: HeaderOptions): fc.Arbitrary<Record<string, string | string[]>> {
  const contentType = options.json
    ? fc.oneof({ weight: 30, arbitrary: fc.constant<string | string[] | undefined>('application/json') }, { weight: 3, arbitrary: contentTypes }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant<string[]>(['application/json', 'text/plain']) })
    : fc.oneof({ weight: 10, arbitrary: fc.constant<string | string[] | undefined>(undefined) }, { weight: 1, arbitrary: contentTypes });
  const key = options.idempotencyKey
    ? fc.option(fc.oneof(
      word.map((text) => `key-${text}`),
      fc.constantFrom('', ' ', '  padded  ', longText(200), longText(201), longText(4000)),
      latin1(40),
      fc.tuple(word, word).map(([a, b]) => [`key-${a}`, `key-${b}`]),
    ), { nil: undefined, freq: 2 })
    : fc.option(latin1(10), { nil: undefined, freq: 20 });
  const extras = fc.dictionary(
    fc.oneof(
      fc.constantFrom('accept', 'authorization', 'host', 'x-http-method-override', 'x-forwarded-for', 'origin', 'referer', 'cookie', 'range', 'if-none-match', 'expect', 'last-event-id', 'te'),
      fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
    ),
    fc.oneof(
      fc.constantFrom('application/json', 'text/html', '*/*', 'text/event-stream', 'Bearer x', 'Bearer ' + longText(300), 'Basic Og==',
        'localhost', '127.0.0.1:1', 'evil.example', '[::1]', 'DELETE', 'bytes=0-1', '100-continue', '0'),
      latin1(60),
    ),
    { maxKeys: 3 },
  ).map((headers) => {
    // Node's HTTP server itself answers any Expect but 100-continue with a bare 417, before Sluice sees the request.
    if (headers['expect'] !== undefined && headers['expect'] !== '100-continue') delete headers['expect'];
    return headers;
  });
  const someExtras = fc.oneof({ weight: 2, arbitrary: fc.constant<Record<string, string>>({}) }, { weight: 1, arbitrary: extras });
  return fc.tuple(contentType, key, someExtras).map(([type, idempotency, rest]) => {
    const headers: Record<string, string | string[]> = { ...rest };
    if (type !== undefined) headers['content-type'] = type;
    if (idempotency !== undefined) headers[options.idempotencyKey ? 'idempotency-key' : 'x-fuzz'] = idempotency;
    return headers;
  });
}

export const methodArb = (method: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });

// ---------------------------------------------------------------- raw HTTP

type RawMutation = { at: number; span: number; kind: number; pick: number };

const RAW_INSERTS = ['\u0000', '\r', '\n', '\r\n', ' ', ':', '\t', '\u007f', '\u00e9', '\u00ff', '%', '"', '\r\n\r\n', '\r\n '];
const RAW_VERSIONS = ['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 x', ''];
const RAW_HEADERS = [
  'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: x', 'Content-Length: -1', 'Content-Length: 99999999999',
  'Content-Length: 1', 'Content-Length: 2, 2', 'Content-Length: abc', 'Host: evil.example', 'Host: 127.0.0.1', 'NoColonHere', ': novalue',
  'X-Long: ' + 'v'.repeat(20_000), 'Expect: 100-continue', 'Upgrade: websocket', 'Connection: upgrade', 'Content-Encoding: gzip',
  'Content-Type: text/plain', 'Content-Type: application/json; charset=utf-16',
];

/**
 * Raw HTTP/1.1 requests for the parser itself: a valid request to a real
 * route, then 1–3 byte-level mutations (stray control characters, cut spans,
 * odd versions, duplicate or contradictory framing headers, obs-fold lines,
 * 20 KB headers).
 */
export const rawRequestArb: fc.Arbitrary<string> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', 'PATCH'),
  path: fc.constantFrom('/api/flows', '/api/flows/validate', '/api/runs?limit=5', '/api/topics/fuzz.raw/events', '/health/live',
    '/api/flows/00000000-0000-4000-8000-000000000000', '*', 'http://127.0.0.1/api/flows', '/api/flows?x=\u00e9'),
  body: fc.constantFrom('', '{"graph":{"nodes":[],"edges":[]}}', '{"a":1}', '5\r\n{"a":\r\n0\r\n\r\n'),
  mutations: fc.array(fc.record({ at: fc.nat(), span: fc.nat({ max: 12 }), kind: fc.nat({ max: 4 }), pick: fc.nat() }), { minLength: 1, maxLength: 3 }),
}).map(({ method, path, body, mutations }) => {
  let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\nConnection: close\r\n\r\n${body}`;
  for (const mutation of mutations as RawMutation[]) text = mutateRaw(text, mutation);
  return text;
});

function mutateRaw(text: string, { at, span, kind, pick }: RawMutation): string {
  const position = at % (text.length + 1);
  switch (kind) {
    case 0: return text.slice(0, position) + (RAW_INSERTS[pick % RAW_INSERTS.length] as string) + text.slice(position);
    case 1: return text.slice(0, position) + text.slice(position + span + 1);
    case 2: return text.replace('HTTP/1.1', RAW_VERSIONS[pick % RAW_VERSIONS.length] as string);
    case 3: return text.replace('\r\n', `\r\n${RAW_HEADERS[pick % RAW_HEADERS.length] as string}\r\n`);
    default: return text.replace('\r\n\r\n', `\r\n${RAW_HEADERS[pick % RAW_HEADERS.length] as string}\r\n\r\n`);
  }
}
