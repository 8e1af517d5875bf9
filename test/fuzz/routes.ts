import fc from 'fast-check';
import { RUN_STATUSES } from '@sluice/contracts';
import {
  bodyArb, createFlowBody, type Draft, encodingArb, garbageSegment, graphArb, headersArb, idSegment, type IdPool, methodArb, mutated,
  noBodyArb, payloadArb, queryArb, type QueryParam, rawRequestArb, routingKey, saveFlowBody, type Segment, word,
} from './generators';
import { nastyValue, unicodeText } from './values';

/** One route of the API and how to generate requests to it. */
export interface FuzzRoute {
  /** `METHOD /path/:param`, as the report prints it. */
  name: string;
  /** The route's own method (requests sometimes use another). */
  method: string;
  draft: fc.Arbitrary<Draft>;
  /** Server-Sent Events: read the status and headers, then hang up. */
  stream?: boolean;
}

const uuidValue = fc.uuid();
const limitValue = fc.integer({ min: 1, max: 500 }).map(String);
const cursorValue = fc.oneof(
  fc.constantFrom('garbage', 'WyIyMDI2LTEyLTAxIDAwOjAwOjAwKzAwIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0'),
  fc.tuple(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }), fc.uuid())
    .map(([date, id]) => Buffer.from(JSON.stringify([date.toISOString().replace('T', ' ').replace('Z', '+00'), id])).toString('base64url')),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
);

function route(
  method: string,
  path: (string | IdPool | { garbage: fc.Arbitrary<string> })[],
  options: { query?: QueryParam[]; body?: fc.Arbitrary<unknown>; idempotencyKey?: boolean; stream?: boolean } = {},
): FuzzRoute {
  const name = `${method} /${path.map((part) => (typeof part === 'string' && !isPool(part) ? part : `:${typeof part === 'string' ? 'id' : 'topic'}`)).join('/')}`;
  const segments = fc.tuple(...path.map((part): fc.Arbitrary<Segment> => {
    if (typeof part === 'string') return isPool(part) ? idSegment(part) : fc.constant(part);
    return part.garbage;
  }));
  const changesState = method !== 'GET';
  const draft = fc.record({
    method: methodArb(method),
    segments,
    query: options.query ? queryArb(options.query) : queryArb([]),
    headers: headersArb({ json: changesState, idempotencyKey: options.idempotencyKey }),
    body: options.body ? bodyArb(options.body) : noBodyArb,
    encoding: encodingArb,
  });
  return { name, method, draft, ...(options.stream ? { stream: true } : {}) };
}

const POOLS: readonly IdPool[] = ['triggerFlow', 'anyFlow', 'scratchFlow', 'run', 'deadLetter', 'replay'];
function isPool(part: string): part is IdPool {
  return (POOLS as readonly string[]).includes(part);
}

const topicSegment = fc.oneof(
  { weight: 4, arbitrary: routingKey },
  { weight: 1, arbitrary: fc.constantFrom('fuzz.*', 'fuzz.#', '#', '*', 'a..b', '.a', 'a.', 'a%2Eb', '%00', 'ORDERS.Created') },
  { weight: 1, arbitrary: garbageSegment },
  { weight: 1, arbitrary: fc.array(word, { minLength: 60, maxLength: 90 }).map((words) => words.join('.')) },
);

const isoTime = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** Mostly within bounds; now and then one of the values the bounds exist for. */
const usually = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: odd });

/** What a replay selects and how it answers http nodes the record cannot answer. */
const replaySelection = {
  limit: usually(fc.integer({ min: 1, max: 50 }), nastyValue),
  from: fc.option(usually(isoTime.filter((time) => time < '2026'), unicodeText(30)), { nil: null, freq: 2 }),
  to: fc.option(isoTime.filter((time) => time >= '2026'), { nil: null, freq: 2 }),
  q: fc.option(usually(fc.constantFrom('amount > 100', '$sort([1..1e9])', 'ok = true', '$exists(orderId)'), fc.oneof(unicodeText(40), fc.constant('(('))), { nil: null, freq: 2 }),
  stubs: fc.dictionary(fc.constantFrom('h', 'n1', 'n2', 'x', '__proto__'), fc.record({
    status: usually(fc.integer({ min: 200, max: 599 }), nastyValue),
    headers: fc.dictionary(word, unicodeText(10), { maxKeys: 2 }),
    body: usually(fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }), nastyValue),
  }, { requiredKeys: [] }), { maxKeys: 3 }),
};

/** A replay of a version, or of a draft (generated graphs only ever run in a replay, which has no effect). */
const replayBody = fc.oneof(
  fc.record({ version: fc.integer({ min: 1, max: 3 }), ...replaySelection }, { requiredKeys: ['version'] }),
  fc.record({ graph: graphArb, ...replaySelection }, { requiredKeys: ['graph'] }),
);

/**
 * Every route of the API. Triggers go to inline-only fixture flows, saves
 * and archives to scratch flows, so no generated graph ever runs.
 */
export const ROUTES: readonly FuzzRoute[] = [
  route('POST', ['api', 'flows'], { body: createFlowBody }),
  route('GET', ['api', 'flows'], { query: [['limit', limitValue], ['cursor', cursorValue]] }),
  route('POST', ['api', 'flows', 'validate'], { body: fc.record({ graph: mutated(graphArb) }) }),
  route('GET', ['api', 'flows', 'anyFlow'], { query: [['version', fc.integer({ min: 1, max: 5 }).map(String)]] }),
  route('PUT', ['api', 'flows', 'scratchFlow'], { body: saveFlowBody }),
  route('GET', ['api', 'flows', 'anyFlow', 'versions']),
  route('GET', ['api', 'flows', 'anyFlow', 'live']),
  route('DELETE', ['api', 'flows', 'scratchFlow']),
  route('POST', ['api', 'flows', 'triggerFlow', 'events'], { body: payloadArb, idempotencyKey: true }),
  route('POST', ['api', 'topics', { garbage: topicSegment }, 'events'], { body: payloadArb }),
  route('GET', ['api', 'runs'], {
    query: [
      ['flowId', uuidValue], ['status', fc.constantFrom(...RUN_STATUSES)], ['limit', limitValue], ['cursor', cursorValue],
      ['q', fc.oneof(unicodeText(60), fc.constantFrom('orderId = "A-17"', '$sort([1..1e9])', '$match(x, /(a+)+$/)', '(('))],
      ['key.orderId', unicodeText(40)],
    ],
  }),
  route('GET', ['api', 'runs', 'run'], { query: [['asOf', fc.integer({ min: 1, max: 20 }).map(String)]] }),
  route('GET', ['api', 'runs', 'run', 'history']),
  route('POST', ['api', 'runs', 'run', 'retry']),
  route('GET', ['api', 'retries']),
  route('GET', ['api', 'dead-letters']),
  route('POST', ['api', 'dead-letters', 'deadLetter', 'redrive']),
  route('DELETE', ['api', 'dead-letters', 'deadLetter']),
  route('GET', ['api', 'stream'], { query: [['flowId', uuidValue], ['runId', uuidValue]], stream: true }),
  route('POST', ['api', 'flows', 'anyFlow', 'replays'], { body: replayBody }),
  route('GET', ['api', 'flows', 'anyFlow', 'replays']),
  route('GET', ['api', 'replays', 'replay']),
  route('GET', ['api', 'replays', 'replay', 'events', 'run']),
  route('GET', ['health', 'live']),
  route('GET', ['health', 'ready']),
  route('GET', ['metrics']),
  route('GET', ['api', 'docs']),
  {
    name: 'ANY /random/path',
    method: 'ANY',
    draft: fc.record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
      segments: fc.array(fc.oneof(
        fc.constantFrom('api', 'API', 'Api', 'flows', 'FLOWS', 'runs', 'events', 'topics', 'health', 'metrics', 'docs', 'stream', 'assets', 'index.html',
          '', '.', '..', '%2e%2e', '%2F', '%5C', '..%2F..%2Fetc%2Fpasswd', 'favicon.ico', 'flows.json', '.env', 'demo', 'fulfil'),
        garbageSegment,
        unicodeText(10).map(encodeURIComponent),
      ), { maxLength: 6 }),
      query: queryArb([['limit', limitValue]]),
      headers: headersArb({ json: true }),
      body: bodyArb(fc.jsonValue({ maxDepth: 2 })),
      encoding: encodingArb,
    }),
  },
  {
    name: 'RAW malformed HTTP/1.1',
    method: 'RAW',
    draft: rawRequestArb.map((raw): Draft => ({ method: 'RAW', segments: [], query: '', headers: {}, body: { kind: 'none' }, encoding: 'identity', raw })),
  },
];
