import { randomUUID } from 'node:crypto';
import type { TopicPublishResponse, TriggerResponse } from '@sluice/contracts';
import { checkTriggerPayload, startRun, type EngineClock } from '@sluice/engine';
import type { IdempotencyClaim, OutboxEntry } from '../ports/store.port';
import { BacklogGate } from '../throughput/backlog-gate';
import { CommitTrain } from '../throughput/commit-train';
import { isUnstorable, mayBelongToOneMember } from '../throughput/commit-errors';
import { DomainError } from '../errors/domain-error';
import { eventTooLarge, eventTooLargeMessage } from './event-size';
import type { FlowCache } from './flow-cache';
import type { CommittedChanges, RunChange, RunCommitter, TopicEvent } from './run-committer';
import { topicEventEntry } from './run-writes';

/** Most requests in one group commit: about 1 ms of statement time each on this machine. */
const MAX_TRAIN = 200;

/** A validated request waiting for its commit. */
type Pending =
  | { kind: 'trigger'; change: RunChange; runId: string; eventId: string; claim?: IdempotencyClaim }
  | { kind: 'publish'; event: TopicEvent; entry: OutboxEntry };

type Answer = TriggerResponse | TopicPublishResponse;

/**
 * Starts runs: one flow over REST, or every subscribe flow of a topic. The
 * run's first steps, up to the first step that needs a worker, are decided and
 * committed before the request is answered.
 *
 * Requests are validated and their first steps decided one by one, then
 * committed together: concurrent requests share one commit (a `CommitTrain`).
 * Idempotency keys are claimed in that commit; a key repeated within it is
 * answered with the first request's run. A commit the store refuses for a
 * value it cannot hold is split until that request is alone; it gets 422
 * (`payload_rejected`), and the others commit (docs/group-commit.md).
 */
export class TriggerService {
  private readonly train = new CommitTrain<Pending, Answer>((batch) => this.commitTrain(batch), {
    maxBatch: MAX_TRAIN, maxInFlight: 1, isolable: mayBelongToOneMember,
  });

  constructor(
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly clock: EngineClock,
    /** When set, requests wait here before they are accepted, or are refused (backpressure, docs/guarantees.md#backpressure). */
    private readonly gate?: BacklogGate,
    /** Largest message the broker carries, in bytes (BrokerPort.maxMessageBytes): a topic event past it is refused. Unset: no limit. */
    private readonly maxMessageBytes?: number,
  ) {}

  async trigger(flowId: string, payload: unknown, idempotencyKey?: string): Promise<TriggerResponse> {
    const flow = await this.flows.latest(flowId);
    if (!flow) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    const problems = checkTriggerPayload(flow, payload);
    if (problems.length > 0) throw new DomainError('payload_rejected', 'The event does not match the trigger schema', { problems });

    await this.gate?.wait();
    const runId = randomUUID();
    const eventId = randomUUID();
    const transition = await startRun(flow, { runId, eventId, payload, source: 'rest' }, this.clock);
    return (await this.board({
      kind: 'trigger', runId, eventId,
      change: { flow, transitions: [transition], isNew: true },
      ...(idempotencyKey === undefined ? {} : { claim: { flowId, key: idempotencyKey, runId, eventId } }),
    })) as TriggerResponse;
  }

  /**
   * Starts a run of every subscribe flow matching the topic and hands the
   * event to outside consumers. The commit finds the subscribers (see
   * RunCommitter): a flow whose create was answered before is one of them.
   * An event larger than the broker carries is refused (422) before anything
   * is written: its outbox row could never be sent.
   */
  async publish(topic: string, payload: unknown, eventId: string = randomUUID()): Promise<TopicPublishResponse> {
    const event: TopicEvent = { eventId, topic, payload };
    if (this.maxMessageBytes !== undefined && eventTooLarge({ kind: 'event', ...event }, this.maxMessageBytes)) {
      const problem = `The event is ${eventTooLargeMessage(this.maxMessageBytes)}`;
      throw new DomainError('payload_rejected', problem, { problems: [problem] });
    }
    await this.gate?.wait();
    return (await this.board({ kind: 'publish', event, entry: topicEventEntry(eventId, topic, payload, true) })) as TopicPublishResponse;
  }

  /** Commits the request with others; a value the store cannot hold is the caller's to fix (422). */
  private async board(pending: Pending): Promise<Answer> {
    try {
      return await this.train.submit(pending);
    } catch (error) {
      if (!isUnstorable(error)) throw error;
      throw new DomainError('payload_rejected', `The event cannot be stored: ${error.message}`, { problems: [error.message] });
    }
  }

  /** One commit for a whole train. Without idempotency keys or topic events it is a single statement. */
  private async commitTrain(batch: Pending[]): Promise<Answer[]> {
    const claims = batch.flatMap((pending) => (pending.kind === 'trigger' && pending.claim ? [pending.claim] : []));
    if (claims.length === 0) {
      const committed = await this.committer.commit(batch.flatMap(changesOf), batch.flatMap(outboxOf), batch.flatMap(eventsOf));
      return batch.map((pending) => answer(pending, committed));
    }
    const { committed, result: holders } = await this.committer.transact(async (tx) => {
      const held = await tx.claimIdempotencyKeys(claims);
      const holderOf = new Map(claims.map((claim, index) => [claim, held[index]]));
      const keep = batch.filter((pending) => !(pending.kind === 'trigger' && pending.claim && holderOf.get(pending.claim)));
      return { changes: keep.flatMap(changesOf), outbox: keep.flatMap(outboxOf), events: keep.flatMap(eventsOf), result: holderOf };
    });
    return batch.map((pending) => {
      const holder = pending.kind === 'trigger' && pending.claim ? holders.get(pending.claim) : undefined;
      return holder ? { ...holder, deduplicated: true } : answer(pending, committed);
    });
  }
}

function changesOf(pending: Pending): RunChange[] {
  return pending.kind === 'trigger' ? [pending.change] : [];
}

function eventsOf(pending: Pending): TopicEvent[] {
  return pending.kind === 'publish' ? [pending.event] : [];
}

function outboxOf(pending: Pending): OutboxEntry[] {
  return pending.kind === 'publish' ? [pending.entry] : [];
}

function answer(pending: Pending, committed: CommittedChanges): Answer {
  if (pending.kind === 'trigger') return { runId: pending.runId, eventId: pending.eventId, deduplicated: false };
  const { eventId } = pending.event;
  const started = committed.writes.filter(({ write }) => write.state.source === 'topic' && write.state.eventId === eventId && committed.inserted.has(write.state.id));
  return { eventId, runIds: started.map(({ write }) => write.state.id) };
}
