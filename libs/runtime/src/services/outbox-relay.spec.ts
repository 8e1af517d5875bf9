import type { BrokerPort } from '../ports/broker.port';
import type { OutboxEntry, StorePort } from '../ports/store.port';
import { silentLogger } from '../ports/logger.port';
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
  const broker = { publish: async () => undefined } as unknown as BrokerPort;
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
});
