import type { FlowGraph } from '@sluice/contracts';
import type { FlowRecord, StorePort } from '../ports/store.port';
import { FlowCache } from './flow-cache';

const GRAPH: FlowGraph = {
  nodes: [
    { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
    { id: 'e', type: 'end', position: { x: 100, y: 0 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 't', target: 'e', sourceHandle: null }],
};

/** A store holding one flow, counting latest-version reads. */
function fakeStore() {
  const flow: FlowRecord = { id: 'f1', name: 'f', description: null, version: 1, graph: GRAPH, archived: false, createdAt: '', updatedAt: '' };
  const reads = { latest: 0 };
  const store = {
    async getFlow(id: string, version?: number) {
      if (version === undefined) reads.latest += 1;
      return id === flow.id ? { ...flow, ...(version === undefined ? {} : { version }) } : undefined;
    },
    async listSubscriptions() {
      return [];
    },
  } as unknown as StorePort;
  return { store, flow, reads };
}

describe('FlowCache.latest', () => {
  it('reads a flow\'s latest version once per TTL', async () => {
    const { store, reads } = fakeStore();
    const cache = new FlowCache(store, 2000, 60_000);
    expect((await cache.latest('f1'))?.version).toBe(1);
    expect((await cache.latest('f1'))?.version).toBe(1);
    expect(reads.latest).toBe(1);
  });

  it('sees a save or an archive in this process at once', async () => {
    const { store, flow } = fakeStore();
    const cache = new FlowCache(store, 2000, 60_000);
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
    const cache = new FlowCache(store, 2000, 0);
    await cache.latest('f1');
    flow.archived = true;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(cache.latest('f1')).resolves.toBeUndefined();
  });

  it('keeps no entry for unknown flows', async () => {
    const { store, reads } = fakeStore();
    const cache = new FlowCache(store, 2000, 60_000);
    await expect(cache.latest('nope')).resolves.toBeUndefined();
    await expect(cache.latest('nope')).resolves.toBeUndefined();
    expect(reads.latest).toBe(2);
  });
});
