import { randomUUID } from 'node:crypto';
import type { CompiledFlow, SearchKeyValue, Transition } from '@sluice/engine';
import type { HistoryEvent, PublishChain } from '@sluice/contracts';
import type { DeadLetterRecord, OutboxEntry, RunWrite, TimerEntry } from '../ports/store.port';

/** A `publish` command lifted out of a transition: the caller fans it out in the same transaction. */
export interface PendingPublish {
  runId: string;
  nodeId: string;
  topic: string;
  eventId: string;
  payload: unknown;
  /** The published event's place in its chain; the runs it starts inherit it. */
  chain: PublishChain;
}

/**
 * Turns one run's transitions (in order) into the rows they cause: history,
 * projection, outbox messages, timers and dead letters. A schedule that is
 * already due becomes an immediate dispatch instead of a timer.
 */
export function toRunWrite(flow: CompiledFlow, transitions: readonly Transition[], now: Date): { write: RunWrite; publishes: PendingPublish[] } {
  const last = transitions[transitions.length - 1];
  if (!last) throw new Error('toRunWrite needs at least one transition');
  const runId = last.state.id;
  const events: HistoryEvent[] = [];
  const searchKeys: SearchKeyValue[] = [];
  const outbox: OutboxEntry[] = [];
  const deadLetters: DeadLetterRecord[] = [];
  const resolveDeadLetters: string[] = [];
  const publishes: PendingPublish[] = [];
  /** The last timer decision per node wins, so `timers` and `cancelTimers` never name the same node. */
  const timers = new Map<string, TimerEntry | 'cancel'>();
  const dispatch = (nodeId: string, attempt: number) =>
    outbox.push({ id: randomUUID(), message: { kind: 'step', runId, nodeId, attempt } });

  for (const transition of transitions) {
    events.push(...transition.events);
    if (transition.searchKeys) searchKeys.push(...transition.searchKeys);
    for (const command of transition.commands) {
      switch (command.kind) {
        case 'dispatch':
          dispatch(command.nodeId, command.attempt);
          break;
        case 'schedule':
          if (Date.parse(command.dueAt) <= now.getTime()) {
            timers.set(command.nodeId, 'cancel');
            dispatch(command.nodeId, command.attempt);
          } else {
            timers.set(command.nodeId, { runId, nodeId: command.nodeId, attempt: command.attempt, dueAt: command.dueAt, reason: command.reason });
          }
          break;
        case 'cancelSchedule':
          timers.set(command.nodeId, 'cancel');
          break;
        case 'deadLetter':
          deadLetters.push({
            id: command.deadLetterId, runId, flowId: flow.flowId, nodeId: command.nodeId,
            attempts: command.attempts, error: command.error, createdAt: now.toISOString(),
          });
          break;
        case 'resolveDeadLetter':
          resolveDeadLetters.push(command.deadLetterId);
          break;
        case 'publish':
          publishes.push({ runId, nodeId: command.nodeId, topic: command.topic, eventId: command.eventId, payload: command.payload, chain: command.chain });
          break;
        default: {
          const unreachable: never = command;
          throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
        }
      }
    }
  }
  const write: RunWrite = {
    state: last.state,
    events,
    outbox,
    timers: [...timers.values()].filter((timer): timer is TimerEntry => timer !== 'cancel'),
    cancelTimers: [...timers].filter(([, timer]) => timer === 'cancel').map(([nodeId]) => nodeId),
    deadLetters,
    resolveDeadLetters,
    ...(searchKeys.length > 0 ? { searchKeys } : {}),
  };
  return { write, publishes };
}

/** The outbox message announcing a published event to outside AMQP consumers. */
export function topicEventEntry(eventId: string, topic: string, payload: unknown, fannedOut: boolean): OutboxEntry {
  return { id: randomUUID(), message: { kind: 'event', eventId, topic, payload }, fannedOut };
}
