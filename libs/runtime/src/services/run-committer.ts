import { randomUUID } from 'node:crypto';
import type { BrokerPort } from '@sluice/broker';
import { startRun, type CompiledFlow, type EngineClock, type Transition } from '@sluice/engine';
import type { OutboxEntry, RunTransaction, RunWrite } from '@sluice/store';
import type { FlowCache } from './flow-cache';
import type { OutboxRelay } from './outbox-relay';
import { toRunWrite, topicEventEntry } from './run-writes';
import type { RuntimeMetrics } from './runtime-metrics';

/** One run's transitions in this commit. */
export interface RunChange {
  flow: CompiledFlow;
  transitions: Transition[];
  /** True for a run started in this commit (inserted unless its (flowId, eventId) exists). */
  isNew: boolean;
}

/** What a commit wrote, for the work done after it. */
export interface StagedCommit {
  writes: { write: RunWrite; flow: CompiledFlow }[];
  /** Extra outbox rows (topic events). */
  outbox: OutboxEntry[];
  /** Ids of new runs that were really inserted. */
  inserted: Set<string>;
}

/**
 * Writes run changes inside a transaction, fanning `publish` commands out to
 * the subscribe flows in the same transaction (one new run per matching flow,
 * deduplicated by event id), and after commit hands the outbox to the relay,
 * broadcasts live notices and counts metrics.
 */
export class RunCommitter {
  constructor(
    private readonly flows: FlowCache,
    private readonly relay: OutboxRelay,
    private readonly broker: BrokerPort,
    private readonly metrics: RuntimeMetrics,
    private readonly clock: EngineClock,
  ) {}

  /** Call before opening the transaction that will stage publishes, so no store read happens inside it. */
  prepare(): Promise<void> {
    return this.flows.refreshSubscriptions();
  }

  async stage(tx: RunTransaction, changes: readonly RunChange[], outbox: OutboxEntry[] = []): Promise<StagedCommit> {
    const inserted = await this.insertNew(tx, changes);
    const writes: { write: RunWrite; flow: CompiledFlow }[] = [];
    const children: RunChange[] = [];
    for (const change of changes) {
      const runId = change.transitions[0]?.state.id;
      if (!runId || (change.isNew && !inserted.has(runId))) continue;
      const { write, publishes } = toRunWrite(change.flow, change.transitions, this.clock.now());
      writes.push({ write, flow: change.flow });
      for (const publish of publishes) {
        for (const { flow } of this.flows.cachedSubscribers(publish.topic)) {
          const transition = await startRun(
            flow,
            {
              runId: randomUUID(), eventId: publish.eventId, payload: publish.payload, source: 'publish',
              topic: publish.topic, parentRunId: publish.runId, parentNodeId: publish.nodeId,
            },
            this.clock,
          );
          children.push({ flow, transitions: [transition], isNew: true });
        }
        outbox.push(topicEventEntry(publish.eventId, publish.topic, publish.payload, true));
      }
    }
    if (children.length > 0) {
      const childInserted = await this.insertNew(tx, children);
      for (const child of children) {
        const last = child.transitions[child.transitions.length - 1];
        if (!last || !childInserted.has(last.state.id)) continue;
        writes.push({ write: toRunWrite(child.flow, child.transitions, this.clock.now()).write, flow: child.flow });
        inserted.add(last.state.id);
      }
    }
    await tx.write(writes.map(({ write }) => write));
    if (outbox.length > 0) await tx.enqueue(outbox);
    return { writes, outbox, inserted };
  }

  /** Runs after a successful commit. */
  afterCommit(staged: StagedCommit): void {
    const outbox: OutboxEntry[] = [...staged.outbox];
    for (const { write, flow } of staged.writes) {
      outbox.push(...(write.outbox ?? []));
      this.metrics.observe(write, flow);
      if (write.events.length > 0) {
        this.broker.publishNotice({
          kind: 'run.changed', runId: write.state.id, flowId: write.state.flowId, flowVersion: write.state.flowVersion,
          status: write.state.status, events: write.events,
        });
      }
    }
    this.relay.send(outbox);
  }

  private async insertNew(tx: RunTransaction, changes: readonly RunChange[]): Promise<Set<string>> {
    const states = changes.filter((change) => change.isNew).map((change) => change.transitions[change.transitions.length - 1]!.state);
    return states.length > 0 ? tx.insertRuns(states) : new Set();
  }
}
