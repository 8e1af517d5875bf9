import type { FlowGraph, HistoryEvent, RunState, StepState } from '@sluice/contracts';
import { type CompiledFlow, compileFlow } from '../graph/compile-flow';
import type { EffectResult } from '../nodes/http-exchange';
import { foldHistory } from '../run/fold';
import { planStep, type StepPlan } from '../run/plan-step';
import type { PublishAdmission } from '../run/publish-chain';
import { settleStep } from '../run/settle-step';
import { startRun, type StartRunInput } from '../run/start-run';
import type { Command, Transition } from '../run/transition';
import { FakeClock } from './fake-clock';

/**
 * Plays the runtime's part for engine tests: keeps the log, checks every
 * transition against the fold invariant, and delivers step messages.
 */
export class RunHarness {
  readonly clock = new FakeClock();
  readonly events: HistoryEvent[] = [];
  readonly transitions: Transition[] = [];
  private current: RunState | undefined;

  constructor(readonly flow: CompiledFlow) {}

  static of(graph: FlowGraph): RunHarness {
    return new RunHarness(compileFlow('flow-1', 1, graph));
  }

  get state(): RunState {
    if (!this.current) throw new Error('run not started');
    return this.current;
  }

  step(nodeId: string): StepState | undefined {
    return this.state.steps.find((step) => step.nodeId === nodeId);
  }

  statuses(): Record<string, string> {
    return Object.fromEntries(this.state.steps.map((step) => [step.nodeId, step.status]));
  }

  types(transition: Transition = this.last()): string[] {
    return transition.events.map((event) => (event.nodeId ? `${event.type}:${event.nodeId}` : event.type));
  }

  last(): Transition {
    const last = this.transitions[this.transitions.length - 1];
    if (!last) throw new Error('no transition yet');
    return last;
  }

  commands(kind?: Command['kind']): Command[] {
    return this.last().commands.filter((command) => kind === undefined || command.kind === kind);
  }

  async start(payload: unknown = { n: 1 }, input: Partial<StartRunInput> = {}): Promise<Transition> {
    return this.record(await startRun(this.flow, { runId: 'run-1', eventId: 'evt-1', payload, source: 'rest', ...input }, this.clock));
  }

  plan(nodeId: string, attempt = 1): Promise<StepPlan> {
    return planStep(this.flow, this.state, { kind: 'step', runId: 'run-1', nodeId, attempt });
  }

  /** Delivers a step message the way the runtime does: plan, perform (here: the given effect or publish admission), settle. */
  async deliver(nodeId: string, attempt = 1, effect?: EffectResult | PublishAdmission): Promise<Transition> {
    const message = { kind: 'step', runId: 'run-1', nodeId, attempt } as const;
    return this.record(await settleStep(this.flow, this.state, message, effect, this.clock));
  }

  record(transition: Transition): Transition {
    const expectedSeq = (this.current?.lastSeq ?? 0) + 1;
    transition.events.forEach((event, index) => {
      if (event.seq !== expectedSeq + index) throw new Error(`seq gap: got ${event.seq}, expected ${expectedSeq + index}`);
    });
    this.events.push(...transition.events);
    this.current = transition.state;
    this.transitions.push(transition);
    const folded = foldHistory(this.events);
    if (JSON.stringify(folded) !== JSON.stringify(transition.state)) throw new Error('transition state differs from the fold of the log');
    return transition;
  }
}

/** A publish admitted by the runtime. */
export const PUBLISH_GRANTED: PublishAdmission = { kind: 'publish', granted: true };

/** An http effect with a response. */
export function httpResponse(status: number, body: unknown = {}, headers: Record<string, string> = {}): EffectResult {
  return { kind: 'http', startedAt: '2025-01-01T00:00:00.000Z', durationMs: 12, response: { status, headers, body } };
}

/** An http effect without a response. */
export function httpError(code: 'timeout' | 'network', message = `${code} error`): EffectResult {
  return { kind: 'http', startedAt: '2025-01-01T00:00:00.000Z', durationMs: 5, error: { code, message } };
}
