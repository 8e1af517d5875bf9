import type { HistoryEvent, NewHistoryEvent, PublishChain, RunState, StepError } from '@sluice/contracts';
import type { SearchKeyValue } from '../search/extract-search-keys';
import { applyEvent } from './fold';

/** Side effects a transition asks the runtime to perform, in the same commit as its events. */
export type Command =
  /** Send a StepMessage now. */
  | { kind: 'dispatch'; nodeId: string; attempt: number }
  /** Send the StepMessage at `dueAt` (a durable timer; one per runId + nodeId, a new one replaces the old). */
  | { kind: 'schedule'; nodeId: string; attempt: number; dueAt: string; reason: 'retry' | 'delay' }
  | { kind: 'cancelSchedule'; nodeId: string }
  | { kind: 'deadLetter'; deadLetterId: string; nodeId: string; attempts: number; error: StepError }
  | { kind: 'resolveDeadLetter'; deadLetterId: string }
  /**
   * Fan an event out to subscribers; `eventId` is `${runId}:${nodeId}`, stable across re-runs.
   * `chain` is the event's place in its publish chain, which the runs it starts inherit.
   */
  | { kind: 'publish'; nodeId: string; topic: string; eventId: string; payload: unknown; chain: PublishChain };

/**
 * The outcome of one engine call: new events (seq continuing from the
 * previous `lastSeq`), the state they fold to, and commands to carry out.
 */
export interface Transition {
  state: RunState;
  events: HistoryEvent[];
  commands: Command[];
  /**
   * The values of the flow's search keys, on the transition that starts a
   * run, when its flow declares keys; written with the new run, in its commit.
   */
  searchKeys?: SearchKeyValue[];
}

/** Accumulates events and commands, folding each event into the state as it is appended. */
export class TransitionBuilder {
  private current: RunState | undefined;
  private readonly events: HistoryEvent[] = [];
  private readonly commands: Command[] = [];

  constructor(
    private readonly runId: string,
    state: RunState | undefined,
  ) {
    this.current = state;
  }

  /** State after every event appended so far. Throws before the first event of a new run. */
  get state(): RunState {
    if (!this.current) throw new Error(`Run ${this.runId} has no state before RunStarted`);
    return this.current;
  }

  append(event: NewHistoryEvent): void {
    const full = { ...event, runId: this.runId, seq: (this.current?.lastSeq ?? 0) + 1 } as HistoryEvent;
    this.current = applyEvent(this.current, full);
    this.events.push(full);
  }

  command(command: Command): void {
    this.commands.push(command);
  }

  build(): Transition {
    return { state: this.state, events: this.events, commands: this.commands };
  }
}

/** A transition that changes nothing (stale or duplicate message). */
export function emptyTransition(state: RunState): Transition {
  return { state, events: [], commands: [] };
}
