import type { RunState } from '@sluice/contracts';
import type { EngineClock } from '@sluice/engine';
import { DomainError } from '../errors/domain-error';
import type { FlowRecord, RunScanQuery, ScannedRun, StorePort } from '../ports/store.port';
import { ConcurrencyLimit } from '../throughput/concurrency-limit';
import { FlowCache } from './flow-cache';
import { RunSearchService } from './run-search.service';

const FLOW: FlowRecord = {
  id: 'f1', name: 'f', description: null, version: 1, archived: false, createdAt: '', updatedAt: '',
  graph: { nodes: [{ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} }], edges: [] },
};

/**
 * A search over a store holding flow `f1` with `runs` runs (payload `{ n }`,
 * newest first), at most `maxScans` payload scans at once. It counts store
 * reads; `holdFlowReads` keeps every flow read waiting until its release.
 */
function setup({ runs = 600, maxScans = 1 } = {}) {
  const reads = { flows: 0, scans: 0 };
  let held: Promise<void> | undefined;
  const stored: ScannedRun[] = Array.from({ length: runs }, (_, n) => ({ id: `r${n}`, payload: { n }, cursor: String(n + 1), bytes: 10 }));
  const store = {
    async getFlow(id: string) {
      reads.flows += 1;
      await held;
      return id === FLOW.id ? FLOW : undefined;
    },
    async scanRuns(query: RunScanQuery) {
      reads.scans += 1;
      const from = Number(query.cursor ?? 0);
      return { runs: stored.slice(from, from + query.limit), more: from + query.limit < stored.length };
    },
    async getRuns(ids: string[]) {
      return new Map(ids.map((id) => [id, { id } as RunState]));
    },
  } as unknown as StorePort;
  const clock: EngineClock = { now: () => new Date(), random: () => 0.5, newId: () => 'id' };
  const scans = new ConcurrencyLimit({ max: maxScans, what: 'Payload scans', setting: 'SLUICE_SEARCH_MAX_SCANS', retryAfterSeconds: 2 });
  const search = new RunSearchService(store, new FlowCache(store), clock, scans);
  const holdFlowReads = (): (() => void) => {
    let open = (): void => undefined;
    held = new Promise<void>((resolve) => (open = resolve));
    return () => {
      held = undefined;
      open();
    };
  };
  return { search, scans, reads, holdFlowReads };
}

describe('RunSearchService.byQuery and its scan slots', () => {
  it('refuses a q while every slot is held with overloaded, before any store read, and takes it again once the scan ends', async () => {
    const { search, scans, reads, holdFlowReads } = setup();
    const release = holdFlowReads();
    const first = search.byQuery({ flowId: 'f1', q: 'n = -1', limit: 50 });
    expect(scans.inUse).toBe(1);

    const refused = await search.byQuery({ flowId: 'f1', q: 'n = -1', limit: 50 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'overloaded', details: { limit: 1, setting: 'SLUICE_SEARCH_MAX_SCANS', retryAfterSeconds: 2 } });
    expect(reads).toEqual({ flows: 1, scans: 0 });

    release();
    await expect(first).resolves.toMatchObject({ items: [], scanned: 600, complete: true });
    expect(scans.inUse).toBe(0);
    await expect(search.byQuery({ flowId: 'f1', q: 'n = 3', limit: 50 })).resolves.toMatchObject({ items: [{ id: 'r3' }] });
  });

  it('lets key lookups through while every slot is held', async () => {
    const { search, holdFlowReads } = setup();
    const release = holdFlowReads();
    const scanning = search.byQuery({ flowId: 'f1', q: 'true', limit: 1 });
    const lookup = search.byKey({ flowId: 'f1', name: 'orderId', value: 'A-1', limit: 50 });
    release();
    // f1 declares no key: the lookup is answered (400 invalid_query), not refused as overloaded.
    await expect(lookup).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(scanning).resolves.toMatchObject({ items: [{ id: 'r0' }] });
  });

  it('gives the slot back however the scan ends: a q that does not parse, an unknown flow, a full page, the last run', async () => {
    const { search, scans } = setup();
    await expect(search.byQuery({ flowId: 'f1', q: '(', limit: 50 })).rejects.toMatchObject({ code: 'invalid_query' });
    expect(scans.inUse).toBe(0);
    await expect(search.byQuery({ flowId: 'nope', q: 'true', limit: 50 })).rejects.toMatchObject({ code: 'not_found' });
    expect(scans.inUse).toBe(0);
    await expect(search.byQuery({ flowId: 'f1', q: 'true', limit: 2 })).resolves.toMatchObject({ scanned: 2, complete: false });
    expect(scans.inUse).toBe(0);
    await expect(search.byQuery({ flowId: 'f1', q: 'false', limit: 2 })).resolves.toMatchObject({ scanned: 600, complete: true });
    expect(scans.inUse).toBe(0);
  });

  it('stops scanning after the run in hand once the asker is gone, and gives the slot back', async () => {
    const { search, scans, reads, holdFlowReads } = setup();
    const release = holdFlowReads();
    const asker = new AbortController();
    const scanning = search.byQuery({ flowId: 'f1', q: 'false', limit: 50, signal: asker.signal });
    asker.abort();
    release();
    await expect(scanning).resolves.toMatchObject({ items: [], scanned: 1, complete: false });
    expect(reads.scans).toBe(1);
    expect(scans.inUse).toBe(0);
  });
});
