import { randomUUID } from 'node:crypto';
import type { Delivery } from '../ports/broker.port';
import type { TopicEventMessage } from '../ports/broker-messages';
import type { Logger } from '../ports/logger.port';
import type { StorePort } from '../ports/store.port';
import { REQUEUE_PAUSE_MS } from './delivery-limit';
import { EventIngestHandler } from './event-ingest.handler';
import type { RunCommitter, TopicEvent } from './run-committer';

/** A value the store refuses, as the store adapter reports it. */
const unstorable = () => Object.assign(new Error('the store refused a value (22P05): unsupported Unicode escape sequence'), { code: 'unstorable' });

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: Logged[]): Logger {
  const logger: Logger = {
    child: () => logger,
    debug: (fields, message) => lines.push({ level: 'debug', fields, message }),
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
  return logger;
}

interface Options {
  /** The error a commit holding this event fails with, if any. */
  refuse?: (event: TopicEvent) => Error | undefined;
  /** Whether the store answers a ping. */
  answers?: () => boolean;
  /** SLUICE_MAX_BODY and SLUICE_MAX_JSON_DEPTH, as the platform passes them. */
  bounds?: { maxPayloadBytes: number; maxPayloadDepth: number };
}

/** A handler over a fake committer and store, with SLUICE_MAX_DELIVERIES at 5. */
function setup(options: Options = {}) {
  const commits: TopicEvent[][] = [];
  const committed: string[] = [];
  const committer = {
    async commit(_changes: unknown, _outbox: unknown, events: readonly TopicEvent[]) {
      commits.push([...events]);
      for (const event of events) {
        const error = options.refuse?.(event);
        if (error) throw error;
      }
      committed.push(...events.map((event) => event.eventId));
      return {};
    },
  };
  let pings = 0;
  const store = {
    async ping() {
      pings += 1;
      if (!(options.answers?.() ?? true)) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
  };
  const logs: Logged[] = [];
  const handler = new EventIngestHandler(committer as unknown as RunCommitter, store as unknown as StorePort, recordingLogger(logs), { maxDeliveries: 5, ...options.bounds });
  return { handler, commits, committed, logs, pings: () => pings };
}

interface Settled {
  acked: number;
  nacked: (boolean | undefined)[];
}

function delivery(eventId: string, extra: { topic?: string; id?: string | null; payload?: unknown } = {}) {
  const settled: Settled = { acked: 0, nacked: [] };
  const item: Delivery<TopicEventMessage> = {
    message: { kind: 'event', eventId, topic: extra.topic ?? 'orders.created', payload: extra.payload ?? { eventId } },
    ...(extra.id === null ? {} : { id: extra.id ?? eventId }),
    redelivered: false,
    ack() { settled.acked += 1; },
    nack(requeue?: boolean) { settled.nacked.push(requeue); },
  };
  return { item, settled };
}

/** Runs one batch, letting the requeue pause pass. */
async function handle(handler: EventIngestHandler, batch: Delivery<TopicEventMessage>[]): Promise<void> {
  const done = handler.handle(batch);
  await jest.advanceTimersByTimeAsync(REQUEUE_PAUSE_MS);
  await done;
}

describe('EventIngestHandler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts the runs of a batch in one commit and acks every event after it', async () => {
    const { handler, commits } = setup();
    const batch = Array.from({ length: 20 }, (_, index) => delivery(`event-${index}`));
    await handle(handler, batch.map(({ item }) => item));
    expect(commits).toHaveLength(1);
    expect(batch.map(({ settled }) => settled)).toEqual(batch.map(() => ({ acked: 1, nacked: [] })));
  });

  it('commits the others of a batch holding an event the store cannot hold, and drops that one at once with a warning', async () => {
    const { handler, commits, committed, logs, pings } = setup({ refuse: (event) => (event.eventId === 'event-13' ? unstorable() : undefined) });
    const batch = Array.from({ length: 50 }, (_, index) => delivery(`event-${index}`));
    await handle(handler, batch.map(({ item }) => item));

    expect(committed.sort()).toEqual(batch.map(({ item }) => item.message.eventId).filter((id) => id !== 'event-13').sort());
    batch.forEach(({ item, settled }) => expect({ id: item.message.eventId, settled }).toEqual({
      id: item.message.eventId, settled: item.message.eventId === 'event-13' ? { acked: 0, nacked: [false] } : { acked: 1, nacked: [] },
    }));
    expect(logs).toEqual([{
      level: 'warn', message: 'outside topic event dropped: the store cannot hold it',
      fields: { eventId: 'event-13', topic: 'orders.created', reason: expect.stringContaining('22P05') },
    }]);
    // About 2·log2(n) extra commits, and no ping: the store said what it refused.
    expect(commits.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(50)) + 4);
    expect(pings()).toBe(0);
  });

  it('requeues the whole batch after a pause during a store outage, counting nothing, however often it comes back', async () => {
    let down = true;
    const { handler, commits, logs } = setup({ refuse: () => (down ? new Error('Connection terminated unexpectedly') : undefined), answers: () => !down });
    const ids = Array.from({ length: 8 }, (_, index) => `event-${index}`);
    for (let round = 1; round <= 12; round++) {
      // Each round is the batch coming back.
      const batch = ids.map((id) => delivery(id));
      const started = Date.now();
      await handle(handler, batch.map(({ item }) => item));
      expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEUE_PAUSE_MS);
      expect(batch.map(({ settled }) => settled)).toEqual(ids.map(() => ({ acked: 0, nacked: [true] })));
    }
    // One commit per delivery: an outage is not split.
    expect(commits).toHaveLength(12);
    // Nothing dropped; the first failure is logged, then one line per 10 s with the count.
    expect(logs.map((line) => [line.message, line.fields.failures])).toEqual([
      ['starting runs for topic events failed; requeued', undefined],
      ['starting runs for topic events still failing; requeued', 11],
    ]);
    // And one when the store is back.
    down = false;
    await handle(handler, [delivery('event-0').item]);
    expect(logs.map((line) => line.message).slice(2)).toEqual(['starting runs for topic events recovered']);
  });

  it('requeues an event whose commit fails alone while the store answers, and drops it at its fifth failure; the others commit', async () => {
    const cursed = (event: TopicEvent) => (event.eventId === 'event-2' ? new Error('injected: the store refuses this event') : undefined);
    const { handler, committed, logs } = setup({ refuse: cursed });
    const outcomes: Settled[] = [];
    for (let round = 1; round <= 5; round++) {
      const batch = [delivery(`event-${round * 10}`), delivery('event-2'), delivery(`event-${round * 10 + 1}`)];
      await handle(handler, batch.map(({ item }) => item));
      outcomes.push(batch[1]!.settled);
      expect([batch[0]!.settled, batch[2]!.settled]).toEqual([{ acked: 1, nacked: [] }, { acked: 1, nacked: [] }]);
    }
    expect(outcomes).toEqual([...Array.from({ length: 4 }, () => ({ acked: 0, nacked: [true] })), { acked: 0, nacked: [false] }]);
    expect(committed).not.toContain('event-2');
    expect(committed).toHaveLength(10);
    expect(logs.filter((line) => line.level === 'warn')).toEqual([{
      level: 'warn', message: 'outside topic event dropped: it kept failing',
      fields: {
        eventId: 'event-2', topic: 'orders.created',
        reason: 'its commit failed 5 times while the store answered (SLUICE_MAX_DELIVERIES is 5); the last time with: injected: the store refuses this event',
      },
    }]);
  });

  it('counts the failures of an event without a message id by its topic and payload (its event id is new on every delivery)', async () => {
    const { handler, logs } = setup({ refuse: (event) => ((event.payload as { bad?: boolean }).bad ? new Error('refused') : undefined) });
    const outcomes: Settled[] = [];
    for (let round = 1; round <= 5; round++) {
      const { item, settled } = delivery(randomUUID(), { id: null, payload: { bad: true } });
      await handle(handler, [item]);
      outcomes.push(settled);
    }
    expect(outcomes.map((settled) => settled.nacked)).toEqual([[true], [true], [true], [true], [false]]);
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('forgets an event\'s failures once it commits', async () => {
    let failing = true;
    const { handler } = setup({ refuse: () => (failing ? new Error('refused') : undefined) });
    for (let round = 1; round <= 4; round++) await handle(handler, [delivery('event-1').item]);
    failing = false;
    await handle(handler, [delivery('event-1').item]);
    failing = true;
    const outcomes: Settled[] = [];
    for (let round = 1; round <= 4; round++) {
      const { item, settled } = delivery('event-1');
      await handle(handler, [item]);
      outcomes.push(settled);
    }
    expect(outcomes.map((settled) => settled.nacked)).toEqual([[true], [true], [true], [true]]);
  });

  it('drops an event whose routing key is not a topic and commits nothing', async () => {
    const { handler, commits, logs } = setup();
    const empty = delivery('no-topic', { topic: '' });
    const slashed = delivery('slashed', { topic: 'orders/new' });
    const wildcard = delivery('wildcard', { topic: 'orders.*' });
    await handle(handler, [empty.item, slashed.item, wildcard.item]);
    expect(commits).toEqual([]);
    expect([empty.settled, slashed.settled, wildcard.settled]).toEqual([0, 1, 2].map(() => ({ acked: 0, nacked: [false] })));
    expect(logs.map((line) => [line.level, line.message, line.fields.eventId, line.fields.reason])).toEqual([
      ['warn', 'outside topic event dropped: its routing key is not a topic', 'no-topic', 'the routing key "" must not be empty'],
      ['warn', 'outside topic event dropped: its routing key is not a topic', 'slashed', expect.stringContaining('invalid word "orders/new"')],
      ['warn', 'outside topic event dropped: its routing key is not a topic', 'wildcard', expect.stringContaining('wildcards')],
    ]);
  });

  it('drops an event whose payload is larger or deeper than a request body may be, before any commit, and commits the rest', async () => {
    const { handler, commits, committed, logs } = setup({ bounds: { maxPayloadBytes: 1024, maxPayloadDepth: 64 } });
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
    // 1,024 bytes exactly: {"s":"…"} is 8 bytes around the string.
    const atSize = delivery('at-size', { payload: { s: 'x'.repeat(1016) } });
    const pastSize = delivery('past-size', { payload: { s: 'x'.repeat(1017) } });
    const text = delivery('long-text', { payload: 'é'.repeat(600) });
    const atDepth = delivery('at-depth', { payload: nested(64) });
    const pastDepth = delivery('past-depth', { payload: nested(65) });
    // 100,000 levels: the walk is iterative, so no stack overflows.
    const deep = delivery('deep', { payload: JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) });
    await handle(handler, [atSize.item, pastSize.item, text.item, atDepth.item, pastDepth.item, deep.item]);
    expect(commits).toHaveLength(1);
    expect(committed).toEqual(['at-size', 'at-depth']);
    expect([atSize.settled, atDepth.settled]).toEqual([{ acked: 1, nacked: [] }, { acked: 1, nacked: [] }]);
    expect([pastSize.settled, text.settled, pastDepth.settled, deep.settled]).toEqual([0, 1, 2, 3].map(() => ({ acked: 0, nacked: [false] })));
    expect(logs.map((line) => [line.level, line.message, line.fields.eventId, line.fields.reason])).toEqual([
      ['warn', 'outside topic event dropped: its payload is past a bound', 'past-size', 'its payload is larger than 1024 bytes as JSON (SLUICE_MAX_BODY)'],
      ['warn', 'outside topic event dropped: its payload is past a bound', 'long-text', 'its payload is larger than 1024 bytes as JSON (SLUICE_MAX_BODY)'],
      ['warn', 'outside topic event dropped: its payload is past a bound', 'past-depth', 'its payload nests deeper than 64 levels (SLUICE_MAX_JSON_DEPTH)'],
      ['warn', 'outside topic event dropped: its payload is past a bound', 'deep', 'its payload nests deeper than 64 levels (SLUICE_MAX_JSON_DEPTH)'],
    ]);
  });
});
