/**
 * A store in memory holding just what a Runtime needs to start runs over
 * REST and topics and to settle a worker's step: flows, runs, the outbox and
 * subscriptions. Test code only (the build leaves `*.spec-support.ts` out);
 * the store's real behaviour is proven against PostgreSQL in test/integration.
 */
import type { FlowGraph, RunState } from '@sluice/contracts';
import type { FlowRecord, NewRunBatch, OutboxEntry, RunBatch, RunTransaction, StorePort, Subscription } from '../ports/store.port';

export class MemoryStore {
  readonly flows = new Map<string, FlowRecord>();
  readonly runs = new Map<string, RunState>();
  /** Every outbox row written, in order. */
  readonly outbox: OutboxEntry[] = [];
  private revision = 1;

  /** Saves a flow as version 1 and returns its id. */
  addFlow(id: string, graph: FlowGraph): string {
    const at = '2026-01-01T00:00:00.000Z';
    this.flows.set(id, { id, name: id, description: null, version: 1, graph, archived: false, createdAt: at, updatedAt: at });
    this.revision += 1;
    return id;
  }

  /** The runs of a flow. */
  runsOf(flowId: string): RunState[] {
    return [...this.runs.values()].filter((run) => run.flowId === flowId);
  }

  /** This object as the port; only the methods a Runtime calls on these paths exist. */
  asPort(): StorePort {
    return this as unknown as StorePort;
  }

  async getFlow(id: string, version?: number): Promise<FlowRecord | undefined> {
    const flow = this.flows.get(id);
    return flow && (version === undefined || version === flow.version) ? flow : undefined;
  }

  async subscriptionSnapshot(): Promise<{ revision: number; subscriptions: Subscription[] }> {
    const subscriptions = [...this.flows.values()].flatMap((flow) =>
      flow.graph.nodes
        .filter((node) => node.type === 'subscribe')
        .map((node) => ({ flowId: flow.id, flowVersion: flow.version, nodeId: node.id, topic: String(node.data['topic']) })),
    );
    return { revision: this.revision, subscriptions };
  }

  async getRuns(ids: readonly string[]): Promise<Map<string, RunState>> {
    return new Map(ids.flatMap((id) => (this.runs.has(id) ? [[id, this.runs.get(id)!] as const] : [])));
  }

  async commitNewRuns(batch: NewRunBatch): Promise<Set<string>> {
    return this.write({ ...batch, updates: [] });
  }

  async transaction<T>(work: (tx: RunTransaction) => Promise<T>): Promise<T> {
    const tx: Partial<RunTransaction> = {
      lockRuns: async (ids) => this.getRuns(ids),
      flowRevision: async () => this.revision,
      reserveChainRuns: async (requests) => requests.map(() => ({ granted: true, used: 0 })),
      writeBatch: async (batch) => this.write(batch),
    };
    return work(tx as RunTransaction);
  }

  async outboxBacklog(): Promise<number> {
    return 0;
  }

  async pendingOutbox(): Promise<OutboxEntry[]> {
    return [];
  }

  async deleteOutbox(): Promise<void> {}

  /** Inserts new runs (those `insertedWith` a run not inserted are skipped), applies updates, keeps outbox rows. */
  private write(batch: RunBatch): Set<string> {
    const inserted = new Set<string>();
    for (const write of batch.inserts) {
      if (write.insertedWith !== undefined && !inserted.has(write.insertedWith)) continue;
      this.runs.set(write.state.id, write.state);
      inserted.add(write.state.id);
      this.outbox.push(...(write.outbox ?? []));
    }
    for (const write of batch.updates) {
      this.runs.set(write.state.id, write.state);
      this.outbox.push(...(write.outbox ?? []));
    }
    this.outbox.push(...(batch.outbox ?? []));
    return inserted;
  }
}
