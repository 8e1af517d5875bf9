import type { FlowGraph } from '@sluice/contracts';
import type { FlowRecord, StorePort, SubscriptionSnapshot } from '../ports/store.port';
import { FlowCache } from './flow-cache';

const GRAPH: FlowGraph = {
  nodes: [
    { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
    { id: 'e', type: 'end', position: { x: 100, y: 0 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 't', target: 'e', sourceHandle: null }],
};

const SUBSCRIBER: FlowGraph = {
  nodes: [
    { id: 's', type: 'subscribe', position: { x: 0, y: 0 }, data: { topic: 'orders.*' } },
    { id: 'e', type: 'end', position: { x: 100, y: 0 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 's', target: 'e', sourceHandle: null }],
};

/** A store holding one flow, counting latest-version, version and subscription reads. */
function fakeStore() {
  const flow: FlowRecord = { id: 'f1', name: 'f', description: null, version: 1, graph: GRAPH, archived: false, createdAt: '', updatedAt: '' };
  const reads = { latest: 0, versions: 0, subscriptions: 0 };
  /** What `subscriptionSnapshot` answers; `gate` holds the answer back until it resolves. */
  const snapshot: { value: SubscriptionSnapshot; gate?: Promise<void> } = { value: { revision: 1, subscriptions: [] } };
  const store = {
    async getFlow(id: string, version?: number) {
      if (version === undefined) reads.latest += 1;
      else reads.versions += 1;
      if (id === 'sub') return { ...flow, id, graph: SUBSCRIBER, version: version ?? 1 };
      return id === flow.id ? { ...flow, ...(version === undefined ? {} : { version }) } : undefined;
    },
    async subscriptionSnapshot() {
      reads.subscriptions += 1;
      const value = snapshot.value;
      await snapshot.gate;
      return value;
    },
  } as unknown as StorePort;
  return { store, flow, reads, snapshot };
}

function subscribedAt(revision: number, flowVersion = 1): SubscriptionSnapshot {
  return { revision, subscriptions: [{ flowId: 'sub', flowVersion, nodeId: 's', topic: 'orders.*' }] };
}

describe('FlowCache.latest', () => {
  it('reads a flow\'s latest version once per TTL', async () => {
    const { store, reads } = fakeStore();
    const cache = new FlowCache(store, 60_000);
    expect((await cache.latest('f1'))?.version).toBe(1);
    expect((await cache.latest('f1'))?.version).toBe(1);
    expect(reads.latest).toBe(1);
  });

  it('sees a save or an archive in this process at once', async () => {
    const { store, flow } = fakeStore();
    const cache = new FlowCache(store, 60_000);
    await cache.latest('f1');
    flow.version = 2;
    cache.invalidate('f1');
    expect((await cache.latest('f1'))?.version).toBe(2);
    flow.archived = true;
    cache.invalidate('f1');
    await expect(cache.latest('f1')).resolves.toBeUndefined();
  });

  it('sees changes by other processes after the TTL', async () => {
    const { store, flow } = fakeStore();
    const cache = new FlowCache(store, 0);
    await cache.latest('f1');
    flow.archived = true;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(cache.latest('f1')).resolves.toBeUndefined();
  });

  it('keeps no entry for unknown flows', async () => {
    const { store, reads } = fakeStore();
    const cache = new FlowCache(store, 60_000);
    await expect(cache.latest('nope')).resolves.toBeUndefined();
    await expect(cache.latest('nope')).resolves.toBeUndefined();
    expect(reads.latest).toBe(2);
  });
});

describe('FlowCache subscriptions', () => {
  it('are read once, then served without asking the store', async () => {
    const { store, reads, snapshot } = fakeStore();
    snapshot.value = subscribedAt(3);
    const cache = new FlowCache(store);
    const first = await cache.subscriptions();
    expect(first.revision).toBe(3);
    expect(first.matching('orders.created').map(({ flow }) => flow.flowId)).toEqual(['sub']);
    expect(first.matching('invoices.created')).toEqual([]);
    await cache.subscriptions();
    await cache.subscriptions();
    expect(reads.subscriptions).toBe(1);
  });

  it('are read again for a revision past theirs, and not for one they hold', async () => {
    const { store, reads, snapshot } = fakeStore();
    snapshot.value = { revision: 3, subscriptions: [] };
    const cache = new FlowCache(store);
    await cache.subscriptions();
    expect((await cache.reload(3)).revision).toBe(3);
    expect(reads.subscriptions).toBe(1);
    snapshot.value = subscribedAt(4);
    const reloaded = await cache.reload(4);
    expect(reloaded.revision).toBe(4);
    expect(reloaded.matching('orders.paid')).toHaveLength(1);
    expect(await cache.subscriptions()).toBe(reloaded);
    expect(reads.subscriptions).toBe(2);
  });

  it('are read again after a flow changes through this process', async () => {
    const { store, reads, snapshot } = fakeStore();
    const cache = new FlowCache(store);
    await cache.subscriptions();
    snapshot.value = subscribedAt(2);
    cache.invalidate('sub');
    expect((await cache.subscriptions()).revision).toBe(2);
    expect(reads.subscriptions).toBe(2);
  });

  it('share one read among concurrent callers, and compile each flow version once', async () => {
    const { store, reads, snapshot } = fakeStore();
    snapshot.value = subscribedAt(5);
    const cache = new FlowCache(store);
    await Promise.all([cache.reload(5), cache.reload(5), cache.subscriptions()]);
    expect(reads.subscriptions).toBe(1);
    snapshot.value = subscribedAt(6);
    await cache.reload(6);
    snapshot.value = subscribedAt(7, 2);
    await cache.reload(7);
    expect(reads.subscriptions).toBe(3);
    // Version 1 once, version 2 once.
    expect(reads.versions).toBe(2);
  });

  it('read once more when the read under way began before the revision asked for', async () => {
    const { store, reads, snapshot } = fakeStore();
    const cache = new FlowCache(store);
    await cache.subscriptions();
    let release!: () => void;
    snapshot.gate = new Promise<void>((resolve) => (release = resolve));
    snapshot.value = { revision: 2, subscriptions: [] };
    const early = cache.reload(2);
    // The flows move on while that read is under way.
    snapshot.value = subscribedAt(3);
    const late = cache.reload(3);
    release();
    expect((await early).revision).toBeGreaterThanOrEqual(2);
    expect((await late).revision).toBe(3);
    expect(reads.subscriptions).toBe(3);
  });
});
