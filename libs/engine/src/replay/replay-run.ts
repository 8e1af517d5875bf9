import type { HistoryEvent, ReplayDelay, ReplayPublish, ReplayStub, RunStartedData, RunState } from '@sluice/contracts';
import type { CompiledFlow } from '../graph/compile-flow';
import type { EffectResult } from '../nodes/http-exchange';
import type { PublishAdmission } from '../run/publish-chain';
import { planStep } from '../run/plan-step';
import { settleStep } from '../run/settle-step';
import { startRun, type StartRunInput } from '../run/start-run';
import type { StepMessage } from '../run/step-message';
import type { Command } from '../run/transition';
import { RecordedResponses } from './recorded-responses';
import { ReplayClock } from './replay-clock';

export interface ReplayRunOptions {
  /** Ids of the `http` nodes of the version the original run followed: only their recorded outcomes answer. */
  recordedHttpNodes: ReadonlySet<string>;
  /** Answers for `http` nodes the record cannot answer, by node id. */
  stubs?: Readonly<Record<string, ReplayStub>>;
}

/** A run of the subject graph, played in memory from a recorded event. */
export interface ReplayedRun {
  state: RunState;
  /** What its `publish` steps would have published, in order. */
  publishes: ReplayPublish[];
  /** The waits its `delay` steps would have made, in order. */
  delays: ReplayDelay[];
}

/**
 * Most step messages one replayed run may deliver: far more than any valid
 * graph needs (500 nodes of at most 100 attempts each, a delay two), so
 * passing it means a bug, not a big flow.
 */
const MAX_DELIVERIES = 100_000;

const GRANTED: PublishAdmission = { kind: 'publish', granted: true };

/**
 * Plays the event that started a recorded run through `flow`, with no
 * effect (docs/replay.md): `startRun`, then every step message the
 * transitions ask for, through `planStep` and `settleStep`, until the run
 * ends. Pure nodes run for real, expression bounds included. An `http` step
 * is answered from the original run's record for the same node id (attempt
 * k by recorded attempt k, or the last one), else from `stubs`, else it fails
 * with `no_recorded_response`. A `publish` is admitted and recorded; a
 * `delay` is recorded and ends at once, and retries wait no time: messages
 * due later are delivered in due order on a clock that jumps to them.
 *
 * @param history the original run's history in seq order, from RunStarted.
 */
export async function replayRun(flow: CompiledFlow, history: readonly HistoryEvent[], options: ReplayRunOptions): Promise<ReplayedRun> {
  const [first] = history;
  if (first?.type !== 'RunStarted') throw new Error(`a replay needs the history of a run from its RunStarted; it begins with ${first?.type ?? 'nothing'}`);
  const clock = new ReplayClock(Date.parse(first.at));
  const responses = new RecordedResponses(history, options.recordedHttpNodes);
  const queue = new MessageQueue();
  const publishes: ReplayPublish[] = [];
  const delays: ReplayDelay[] = [];

  const carryOut = (commands: readonly Command[]): void => {
    for (const command of commands) {
      switch (command.kind) {
        case 'dispatch':
          queue.add(command.nodeId, command.attempt, clock.now().getTime(), false);
          break;
        case 'schedule':
          queue.add(command.nodeId, command.attempt, Date.parse(command.dueAt), true);
          break;
        case 'cancelSchedule':
          queue.cancelTimer(command.nodeId);
          break;
        case 'publish':
          publishes.push({ nodeId: command.nodeId, topic: command.topic, payload: command.payload });
          break;
        case 'deadLetter':
        case 'resolveDeadLetter':
          break;
      }
    }
  };

  const started = await startRun(flow, startInput(first.runId, first.data), clock);
  let state = started.state;
  carryOut(started.commands);
  let deliveries = 0;
  for (let next = queue.take(); next !== undefined; next = queue.take()) {
    if (++deliveries > MAX_DELIVERIES) throw new Error(`the replay of run ${state.id} delivered more than ${MAX_DELIVERIES} step messages`);
    clock.advanceTo(next.dueMs);
    const message: StepMessage = { kind: 'step', runId: state.id, nodeId: next.nodeId, attempt: next.attempt };
    const plan = await planStep(flow, state, message);
    if (plan.kind === 'stale') continue;
    let effect: EffectResult | PublishAdmission | undefined;
    if (plan.kind === 'http') effect = answerHttp(responses, options.stubs, message, clock.now());
    else {
      const behaviour = flow.definition(message.nodeId).behaviour;
      if (behaviour.kind === 'publish') effect = GRANTED;
      const node = flow.node(message.nodeId);
      const step = state.steps.find((candidate) => candidate.nodeId === message.nodeId);
      if (behaviour.kind === 'delay' && node && step?.status === 'scheduled') delays.push({ nodeId: node.id, ms: behaviour.delayMs(node) });
    }
    const transition = await settleStep(flow, state, message, effect, clock);
    state = transition.state;
    carryOut(transition.commands);
  }
  return { state, publishes, delays };
}

function startInput(runId: string, data: RunStartedData): StartRunInput {
  return {
    runId, eventId: data.eventId, payload: data.payload, source: data.source,
    ...(data.topic === undefined ? {} : { topic: data.topic }),
    ...(data.parentRunId === undefined ? {} : { parentRunId: data.parentRunId }),
    ...(data.parentNodeId === undefined ? {} : { parentNodeId: data.parentNodeId }),
    ...(data.chain === undefined ? {} : { chain: data.chain }),
  };
}

/** The record's answer, else the stub's, else a failure that says neither exists. Never a request. */
function answerHttp(
  responses: RecordedResponses,
  stubs: Readonly<Record<string, ReplayStub>> | undefined,
  message: StepMessage,
  now: Date,
): EffectResult {
  const recorded = responses.answer(message.nodeId, message.attempt, now);
  if (recorded) return recorded;
  const startedAt = now.toISOString();
  const stub = stubs !== undefined && Object.hasOwn(stubs, message.nodeId) ? stubs[message.nodeId] : undefined;
  if (stub) {
    const headers = Object.fromEntries(Object.entries(stub.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    return { kind: 'http', startedAt, durationMs: 0, response: { status: stub.status ?? 200, headers, body: stub.body ?? null } };
  }
  return {
    kind: 'http', startedAt, durationMs: 0,
    error: {
      code: 'no_recorded_response',
      message: `Node "${message.nodeId}" (http) has no response recorded by the original run and no stub in the replay request`,
    },
  };
}

/** A step message waiting in a replay, due at `dueMs`; `timer` marks one a `schedule` command set. */
interface PendingMessage {
  nodeId: string;
  attempt: number;
  dueMs: number;
  timer: boolean;
  order: number;
}

/** Step messages still to deliver, taken soonest first and, at the same time, in the order they were asked for. */
class MessageQueue {
  private pending: PendingMessage[] = [];
  private added = 0;

  /** A timer replaces the node's earlier timer, as the store keeps one per run and node. */
  add(nodeId: string, attempt: number, dueMs: number, timer: boolean): void {
    if (timer) this.cancelTimer(nodeId);
    this.pending.push({ nodeId, attempt, dueMs: Number.isFinite(dueMs) ? dueMs : 0, timer, order: this.added++ });
  }

  cancelTimer(nodeId: string): void {
    this.pending = this.pending.filter((message) => !(message.timer && message.nodeId === nodeId));
  }

  take(): PendingMessage | undefined {
    let soonest: PendingMessage | undefined;
    for (const message of this.pending) {
      if (!soonest || message.dueMs < soonest.dueMs || (message.dueMs === soonest.dueMs && message.order < soonest.order)) soonest = message;
    }
    if (soonest) this.pending = this.pending.filter((message) => message !== soonest);
    return soonest;
  }
}
