import type { BrokerPort } from '../ports/broker.port';
import type { OutboxEntry, StorePort } from '../ports/store.port';
import { silentLogger, type Logger } from '../ports/logger.port';
import { OutboxRelay } from './outbox-relay';

/** A relay over a broker that holds every message at once and a store that records deletes. */
function setup() {
  const deleted: string[] = [];
  const store = {
    async pendingOutbox() {
      return [];
    },
    async deleteOutbox(ids: readonly string[]) {
      deleted.push(...ids);
    },
  } as unknown as StorePort;
  const broker = { publish: async () => undefined, isReady: () => true } as unknown as BrokerPort;
  const relay = new OutboxRelay(store, broker, silentLogger, { deleteAfterMs: 5, sweepEveryMs: 60_000 });
  const entry = (id: string): OutboxEntry => ({ id, message: { kind: 'step', runId: id, nodeId: 'n', attempt: 1 } });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
  return { relay, deleted, entry, settle };
}

describe('OutboxRelay', () => {
  it('deletes settled rows itself when no commit takes them', async () => {
    const { relay, deleted, entry, settle } = setup();
    await relay.start();
    relay.send([entry('a')]);
    await settle();
    expect(deleted).toEqual(['a']);
    await relay.stop();
  });

  it('keeps deleting rows itself after a commit took every settled row before its timer fired', async () => {
    const { relay, deleted, entry, settle } = setup();
    await relay.start();
    relay.send([entry('a')]);
    await Promise.resolve();
    await Promise.resolve();
    // A commit takes the settled row before the relay's timer fires; the timer then finds nothing to delete.
    const taken = relay.takeSettled();
    relay.settledDeleted(taken);
    await settle();
    relay.send([entry('b')]);
    await settle();
    expect({ taken, deleted }).toEqual({ taken: ['a'], deleted: ['b'] });
    await relay.stop();
  });

  it('sets apart (deletes, logging an error) a row the broker can never carry, and sends the rows beside it at once', async () => {
    const { entry, settle } = setup();
    const deleted: string[] = [];
    const store = {
      pendingOutbox: async () => [],
      deleteOutbox: async (ids: readonly string[]) => void deleted.push(...ids),
    } as unknown as StorePort;
    const published: string[] = [];
    const broker = {
      isReady: () => true,
      publish: async (messages: readonly OutboxEntry[]) => {
        // Like the SQS adapter: a batch holding a message too large is refused whole, before anything is sent.
        if (messages.some((message) => message.id === 'big')) throw Object.assign(new Error('message too large'), { undeliverableIds: ['big'] });
        published.push(...messages.map((message) => message.id));
      },
    } as unknown as BrokerPort;
    const errors: { fields: Record<string, unknown>; message: string }[] = [];
    const logger: Logger = {
      ...silentLogger, child: () => logger, error: (fields, message) => void errors.push({ fields, message }),
    };
    const relay = new OutboxRelay(store, broker, logger, { deleteAfterMs: 5, sweepEveryMs: 60_000 });
    await relay.start();
    relay.send([entry('a'), entry('big'), entry('b')]);
    await settle();
    expect(published).toEqual(['a', 'b']);
    expect([...deleted].sort()).toEqual(['a', 'b', 'big']);
    expect(errors).toEqual([{ fields: expect.objectContaining({ outboxId: 'big', reason: 'message too large' }), message: expect.stringContaining('set apart') }]);
    expect(relay.backlog).toBe(0);
    await relay.stop();
  });

  it('holds rows committed while the broker is away and sends them as soon as it is back, before the sweep would', async () => {
    const { entry, settle } = setup();
    let ready = false;
    const published: string[] = [];
    const broker = {
      isReady: () => ready,
      publish: async (messages: readonly OutboxEntry[]) => {
        if (!ready) throw new Error('not connected');
        published.push(...messages.map((message) => message.id));
      },
    } as unknown as BrokerPort;
    const store = { pendingOutbox: async () => [], deleteOutbox: async () => undefined } as unknown as StorePort;
    const relay = new OutboxRelay(store, broker, silentLogger, { sweepEveryMs: 60_000 });
    await relay.start();
    relay.send([entry('a'), entry('b')]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(published).toEqual([]);
    ready = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(published).toEqual(['a', 'b']);
    await settle();
    await relay.stop();
  });

  it('sends again the rows whose publish the broker lost its connection under, once it is back', async () => {
    let ready = true;
    const attempts: string[][] = [];
    const broker = {
      isReady: () => ready,
      publish: async (messages: readonly OutboxEntry[]) => {
        attempts.push(messages.map((message) => message.id));
        if (attempts.length === 1) {
          ready = false;
          throw new Error('channel closed');
        }
      },
    } as unknown as BrokerPort;
    const store = { pendingOutbox: async () => [], deleteOutbox: async () => undefined } as unknown as StorePort;
    const relay = new OutboxRelay(store, broker, silentLogger, { sweepEveryMs: 60_000 });
    await relay.start();
    relay.send([{ id: 'a', message: { kind: 'step', runId: 'a', nodeId: 'n', attempt: 1 } }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toEqual([['a']]);
    ready = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([['a'], ['a']]);
    await relay.stop();
  });

  it('leaves a publish that failed with the broker still connected to the sweep', async () => {
    const attempts: string[][] = [];
    const broker = {
      isReady: () => true,
      publish: async (messages: readonly OutboxEntry[]) => {
        attempts.push(messages.map((message) => message.id));
        throw new Error('refused');
      },
    } as unknown as BrokerPort;
    const store = { pendingOutbox: async () => [], deleteOutbox: async () => undefined } as unknown as StorePort;
    const relay = new OutboxRelay(store, broker, silentLogger, { sweepEveryMs: 60_000 });
    await relay.start();
    relay.send([{ id: 'a', message: { kind: 'step', runId: 'a', nodeId: 'n', attempt: 1 } }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(attempts).toEqual([['a']]);
    await relay.stop();
  });

  it('logs a sweep that keeps failing once, then once per 10 s with the count, and once when it recovers', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') });
    try {
      const started = Date.now();
      const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
      const record = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
      const logger: Logger = { child: () => logger, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
      let sweeps = 0;
      const store = {
        async pendingOutbox() {
          sweeps += 1;
          if (Date.now() - started < 60_000) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return [];
        },
        deleteOutbox: async () => undefined,
      } as unknown as StorePort;
      const broker = { publish: async () => undefined, isReady: () => true } as unknown as BrokerPort;
      const relay = new OutboxRelay(store, broker, logger, { sweepEveryMs: 1000 });
      await relay.start();
      await jest.advanceTimersByTimeAsync(61_000);
      await relay.stop();
      expect(sweeps).toBeGreaterThanOrEqual(60);
      expect(lines.map(({ level, message, fields }) => [level, message, fields.failures])).toEqual([
        ['warn', 'outbox sweep failed', undefined],
        ...[11, 21, 31, 41, 51].map((failures) => ['warn', 'outbox sweep still failing', failures]),
        ['info', 'outbox sweep recovered', 60],
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});
