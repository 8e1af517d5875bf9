import { randomUUID } from 'node:crypto';
import type { StreamNotice } from '@sluice/contracts';
import type { BrokerPort } from '../ports/broker.port';
import {
  runChain, startRun, type CompiledFlow, type EngineClock, type PublishAdmission, type PublishIntent, type PublishLimits, type Transition,
} from '@sluice/engine';
import { flowRevisionMovedTo, type NewRunBatch, type OutboxEntry, type RunTransaction, type RunWrite, type StorePort } from '../ports/store.port';
import type { FlowCache, Subscriptions } from './flow-cache';
import type { OutboxRelay } from './outbox-relay';
import { dispatchesPublish, settlePublishesInline } from './inline-publishes';
import { admitPublishes, NewChainAdmission, type AdmissionLimits } from './publish-admission';
import { toRunWrite, topicEventEntry, type PendingPublish } from './run-writes';
import type { RuntimeMetrics } from './runtime-metrics';

/** One run's transitions in this commit. */
export interface RunChange {
  flow: CompiledFlow;
  transitions: Transition[];
  /** True for a run started in this commit (inserted unless its (flowId, eventId) exists). */
  isNew: boolean;
}

/** What a commit wrote, for the work done after it. */
export interface CommittedChanges {
  writes: { write: RunWrite; flow: CompiledFlow }[];
  /** Extra outbox rows (topic events). */
  outbox: OutboxEntry[];
  /** Ids of new runs that were really inserted. */
  inserted: Set<string>;
  /** Settled outbox rows this commit deleted. */
  deletedOutbox: string[];
}

/** What one commit writes, decided before any statement runs. */
interface PlannedCommit {
  inserts: { write: RunWrite; flow: CompiledFlow }[];
  updates: { write: RunWrite; flow: CompiledFlow }[];
  outbox: OutboxEntry[];
}

/**
 * An event on a topic from outside any run (`POST /api/topics/:topic/events`
 * or an outside AMQP client): the commit starts one run of each subscribe
 * flow that matches, source `topic`.
 */
export interface TopicEvent {
  eventId: string;
  topic: string;
  payload: unknown;
}

/** Publish admission within one transaction (see `admitPublishes`), over the subscribers its fan-out will use. */
export interface PublishGate {
  /** Admissions of the live publish steps about to be settled, keyed by `publishKey(runId, nodeId)`. */
  admit(intents: readonly PublishIntent[]): Promise<Map<string, PublishAdmission>>;
}

/** Subscribe flows per topic, fixed for one commit so admission and fan-out agree. */
type Subscribers = (topic: string) => Promise<CompiledFlow[]>;

/** Times a transaction starts again because the flows changed under it, before it gives up. */
const MAX_SUBSCRIPTION_ATTEMPTS = 5;

/** The flow revision moved past the cached subscriptions: reload them and start the transaction again. */
class SubscriptionsMoved extends Error {
  constructor(readonly revision: number) {
    super(`subscriptions moved to flow revision ${revision} during the commit`);
  }
}

/** The changes a transaction decided, with extra outbox rows, and an answer for the caller. */
export interface Decision<T> {
  changes: readonly RunChange[];
  outbox?: OutboxEntry[];
  /** Outside topic events whose subscriber runs this commit starts. */
  events?: readonly TopicEvent[];
  result: T;
}

/**
 * Writes run changes, fanning `publish` commands out to the subscribe flows
 * in the same commit (one new run per matching flow, deduplicated by event
 * id). Publish steps are admitted against their chain's depth and run budget,
 * and their event against the largest message the broker carries, in that
 * same transaction (`PublishGate`), over the same subscribers the
 * fan-out then uses, so the budget counts exactly the runs started. Outside
 * topic events fan out the same way.
 *
 * The subscribers come from the FlowCache, checked inside the transaction
 * that fans out: it reads the flow revision (`RunTransaction.flowRevision`),
 * and when the revision moved past the cached subscriptions, the transaction
 * is rolled back, they are reloaded, and it starts again. Every flow change
 * answered before the read is thus in the fan-out, and none answered after
 * it is (the change waits for the fan-out's commit). A commit that fans
 * nothing out reads no revision.
 *
 * A commit is one statement: new runs, updates, history, outbox rows,
 * timers and dead letters together, plus the deletion of outbox rows the
 * broker already holds (so the relay rarely needs a round trip of its own).
 * After commit it hands the outbox to the relay, broadcasts live notices and
 * counts metrics.
 */
export class RunCommitter {
  /** The chain limits, and the largest message the broker carries: an event past it is refused when its step is settled. */
  private readonly publishLimits: AdmissionLimits;

  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly relay: OutboxRelay,
    private readonly broker: BrokerPort,
    private readonly metrics: RuntimeMetrics,
    private readonly clock: EngineClock,
    publishLimits: PublishLimits,
  ) {
    this.publishLimits = { ...publishLimits, maxMessageBytes: broker.maxMessageBytes };
  }

  /**
   * Commits changes that need no locks. New runs are one statement, with no
   * BEGIN/COMMIT: those that publish nothing need nothing else, and runs
   * started over REST settle their publish steps there too (see
   * `commitNewChains`). Anything else, topic events included, gets a
   * transaction.
   */
  async commit(changes: readonly RunChange[], outbox: OutboxEntry[] = [], events: readonly TopicEvent[] = []): Promise<CommittedChanges> {
    if (events.length === 0 && changes.every((change) => change.isNew)) {
      if (!changes.some(dispatchesPublish)) return this.commitNewRuns(changes, outbox, noSubscribers);
      if (changes.every(startsOwnChain)) return this.commitNewChains(changes, outbox);
    }
    return (await this.transact(async () => ({ changes, outbox, events, result: undefined }))).committed;
  }

  /**
   * New runs that start their own publish chains (REST triggers), with their
   * publish steps settled, in one statement. Admission needs no read
   * (`NewChainAdmission`); the statement counts the chain runs and checks the
   * flow revision the fan-out was planned at before it inserts anything
   * (`NewRunBatch.expectFlowRevision`). When the revision moved it writes
   * nothing: the subscribe flows are reloaded and the commit planned again.
   */
  private async commitNewChains(changes: readonly RunChange[], outbox: OutboxEntry[]): Promise<CommittedChanges> {
    for (let attempt = 1; ; attempt++) {
      const subscriptions = await this.flows.subscriptions();
      const matching = (topic: string): CompiledFlow[] => subscriptions.matching(topic).map(({ flow }) => flow);
      const admission = new NewChainAdmission((topic) => matching(topic).length, this.publishLimits);
      const settled = await settlePublishesInline(changes, admission, this.clock);
      try {
        return await this.commitNewRuns(settled, outbox, async (topic) => matching(topic), {
          expectFlowRevision: subscriptions.revision, chainRuns: admission.chainRuns(),
        });
      } catch (error) {
        const revision = flowRevisionMovedTo(error);
        if (revision === undefined || attempt >= MAX_SUBSCRIPTION_ATTEMPTS) throw error;
        await this.flows.reload(revision);
      }
    }
  }

  /** New runs only, in one statement of their own. */
  private async commitNewRuns(
    changes: readonly RunChange[],
    outbox: OutboxEntry[],
    subscribers: Subscribers,
    checks: Pick<NewRunBatch, 'expectFlowRevision' | 'chainRuns'> = {},
  ): Promise<CommittedChanges> {
    const planned = await this.plan(changes, outbox, [], subscribers);
    const deleted = this.relay.takeSettled();
    let inserted: Set<string>;
    try {
      inserted = await this.store.commitNewRuns({ inserts: planned.inserts.map(({ write }) => write), outbox: planned.outbox, deleteOutbox: deleted, ...checks });
    } catch (error) {
      this.relay.returnSettled(deleted);
      throw error;
    }
    return this.afterCommit(planned, inserted, deleted);
  }

  /**
   * Opens a transaction, lets `decide` read (and lock) through it, and writes
   * the changes it decided in one statement before committing. `decide` must
   * use only `tx` (and `publishes`, which works through it): on PGlite a
   * second connection would wait on this one. A publish command in the
   * changes must come from a step `publishes` granted.
   */
  async transact<T>(decide: (tx: RunTransaction, publishes: PublishGate) => Promise<Decision<T>>): Promise<{ committed: CommittedChanges; result: T }> {
    for (let attempt = 1; ; attempt++) {
      // Subscriptions are read before the transaction (on PGlite a read inside it would wait for it).
      const subscriptions = await this.flows.subscriptions();
      try {
        return await this.transactOnce(subscriptions, decide);
      } catch (error) {
        if (!(error instanceof SubscriptionsMoved) || attempt >= MAX_SUBSCRIPTION_ATTEMPTS) throw error;
        await this.flows.reload(error.revision);
      }
    }
  }

  private async transactOnce<T>(
    subscriptions: Subscriptions,
    decide: (tx: RunTransaction, publishes: PublishGate) => Promise<Decision<T>>,
  ): Promise<{ committed: CommittedChanges; result: T }> {
    const deleted = this.relay.takeSettled();
    let outcome: { planned: PlannedCommit; inserted: Set<string>; result: T };
    try {
      outcome = await this.store.transaction(async (tx) => {
        const subscribers = this.subscribers(tx, subscriptions);
        const gate: PublishGate = {
          admit: (intents) => admitPublishes(tx, intents, async (topic) => (await subscribers(topic)).length, this.publishLimits),
        };
        const decision = await decide(tx, gate);
        const changes = await settlePublishesInline(decision.changes, gate, this.clock);
        const planned = await this.plan(changes, decision.outbox ?? [], decision.events ?? [], subscribers);
        const inserted = await tx.writeBatch({
          inserts: planned.inserts.map(({ write }) => write),
          updates: planned.updates.map(({ write }) => write),
          outbox: planned.outbox,
          deleteOutbox: deleted,
        });
        return { planned, inserted, result: decision.result };
      });
    } catch (error) {
      this.relay.returnSettled(deleted);
      throw error;
    }
    return { committed: this.afterCommit(outcome.planned, outcome.inserted, deleted), result: outcome.result };
  }

  /**
   * Turns changes into rows. Topic events start runs of their subscribe
   * flows, and publishes fan out into child runs of theirs. A child of a new
   * run, and the event's outbox row, exist only if that run is inserted
   * (`RunWrite.insertedWith`, and the row goes with the run's own writes).
   */
  private async plan(changes: readonly RunChange[], outbox: OutboxEntry[], events: readonly TopicEvent[], subscribers: Subscribers): Promise<PlannedCommit> {
    const planned: PlannedCommit = { inserts: [], updates: [], outbox: [...outbox] };
    const now = this.clock.now();
    /** Each publish with the write of its run when that run is new in this commit. */
    const publishes: { publish: PendingPublish; newParent?: RunWrite }[] = [];
    const started: RunChange[] = [];
    for (const event of events) {
      for (const flow of await subscribers(event.topic)) {
        const transition = await startRun(
          flow, { runId: randomUUID(), eventId: event.eventId, payload: event.payload, source: 'topic', topic: event.topic }, this.clock,
        );
        started.push({ flow, transitions: [transition], isNew: true });
      }
    }
    for (const change of [...changes, ...started]) {
      const { write, publishes: runPublishes } = toRunWrite(change.flow, change.transitions, now);
      if (change.isNew) planned.inserts.push({ write, flow: change.flow });
      else planned.updates.push({ write, flow: change.flow });
      publishes.push(...runPublishes.map((publish) => (change.isNew ? { publish, newParent: write } : { publish })));
    }
    for (const { publish, newParent } of publishes) {
      for (const flow of await subscribers(publish.topic)) {
        const transition = await startRun(
          flow,
          {
            runId: randomUUID(), eventId: publish.eventId, payload: publish.payload, source: 'publish',
            topic: publish.topic, parentRunId: publish.runId, parentNodeId: publish.nodeId, chain: publish.chain,
          },
          this.clock,
        );
        const { write } = toRunWrite(flow, [transition], now);
        planned.inserts.push({ write: newParent ? { ...write, insertedWith: newParent.state.id } : write, flow });
      }
      const entry = topicEventEntry(publish.eventId, publish.topic, publish.payload, true);
      if (newParent) (newParent.outbox ??= []).push(entry);
      else planned.outbox.push(entry);
    }
    return planned;
  }

  /**
   * The subscribe flows of each topic in `subscriptions`, checked on first
   * use against the flow revision inside `tx` (SubscriptionsMoved when it
   * moved), and remembered per topic so admission and fan-out agree.
   */
  private subscribers(tx: RunTransaction, subscriptions: Subscriptions): Subscribers {
    let current: Promise<void> | undefined;
    const byTopic = new Map<string, CompiledFlow[]>();
    return async (topic) => {
      current ??= tx.flowRevision().then((revision) => {
        if (revision !== subscriptions.revision) throw new SubscriptionsMoved(revision);
      });
      await current;
      let flows = byTopic.get(topic);
      if (!flows) {
        flows = subscriptions.matching(topic).map(({ flow }) => flow);
        byTopic.set(topic, flows);
      }
      return flows;
    };
  }

  private afterCommit(planned: PlannedCommit, inserted: Set<string>, deleted: string[]): CommittedChanges {
    this.relay.settledDeleted(deleted);
    const writes = [...planned.updates, ...planned.inserts.filter(({ write }) => inserted.has(write.state.id))];
    const outbox: OutboxEntry[] = [...planned.outbox];
    const notices: StreamNotice[] = [];
    for (const { write, flow } of writes) {
      outbox.push(...(write.outbox ?? []));
      this.metrics.observe(write, flow);
      if (write.events.length > 0) {
        notices.push({
          kind: 'run.changed', runId: write.state.id, flowId: write.state.flowId, flowVersion: write.state.flowVersion,
          status: write.state.status, events: write.events,
        });
      }
    }
    this.relay.send(outbox);
    this.broker.publishNotices(notices);
    return { writes, outbox: planned.outbox, inserted, deletedOutbox: deleted };
  }
}

/** A commit of new runs that publish nothing fans nothing out. */
const noSubscribers: Subscribers = () => Promise.reject(new Error('a commit of new runs that publish nothing has no subscribers to ask for'));

/** A run whose publish chain starts at its own event (a REST trigger's): nothing can have counted runs for it yet. */
function startsOwnChain(change: RunChange): boolean {
  const state = change.transitions[change.transitions.length - 1]?.state;
  if (!state) return false;
  const chain = runChain(state);
  return chain.depth === 0 && chain.originEventId === state.eventId && state.source === 'rest';
}
