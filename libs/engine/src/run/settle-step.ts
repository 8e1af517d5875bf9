import type { FlowNode, RunState, StepState } from '@sluice/contracts';
import type { StepMessage } from './step-message';
import type { CompiledFlow } from '../graph/compile-flow';
import type { EffectResult } from '../nodes/http-exchange';
import type { NodeBehaviour } from '../nodes/node-definition';
import type { EngineClock } from './engine-clock';
import type { PublishAdmission } from './publish-chain';
import { completeRunIfDone, finishAttempt, type RunContext, runLocalStep } from './run-progress';
import { stepContext } from './step-scope';
import { liveStep } from './step-liveness';
import { emptyTransition, type Transition, TransitionBuilder } from './transition';

/**
 * Records the outcome of one step message and moves the run on. Re-checks
 * staleness against `state` (which the runtime reads under its lock), so a
 * redelivered or superseded message yields an empty transition.
 *
 * - local nodes run here (after a redrive or retry of an inline node);
 * - `http` needs the effect the runtime observed for the planned request;
 * - `delay` starts its timer on the first message and succeeds when the timer's message returns;
 * - `publish` needs the runtime's admission (see `publishIntent`), decided in the same commit.
 */
export async function settleStep(
  flow: CompiledFlow,
  state: RunState,
  message: StepMessage,
  effect: EffectResult | PublishAdmission | undefined,
  clock: EngineClock,
): Promise<Transition> {
  const step = liveStep(state, message);
  if (!step || !flow.node(message.nodeId)) return emptyTransition(state);
  const ctx: RunContext = { flow, clock, tx: new TransitionBuilder(state.id, state) };
  const { nodeId, attempt } = message;
  const behaviour = flow.definition(nodeId).behaviour;
  switch (behaviour.kind) {
    case 'local':
      await runLocalStep(ctx, nodeId, attempt);
      break;
    case 'http':
      await settleHttp(ctx, nodeId, attempt, effect?.kind === 'http' ? effect : undefined, behaviour);
      break;
    case 'publish':
      await settlePublish(ctx, nodeId, attempt, effect?.kind === 'publish' ? effect : undefined, behaviour);
      break;
    case 'delay':
      await settleDelay(ctx, step, attempt, behaviour.delayMs(flow.node(nodeId) as FlowNode));
      break;
  }
  completeRunIfDone(ctx);
  return ctx.tx.build();
}

/**
 * How early a delay's timer message may arrive and still end the delay, in ms:
 * the scheduler and the worker read different clocks, and a timer that fired
 * a little early must not leave the step waiting forever.
 */
export const TIMER_SKEW_TOLERANCE_MS = 1000;

type HttpBehaviour = Extract<NodeBehaviour, { kind: 'http' }>;
type PublishBehaviour = Extract<NodeBehaviour, { kind: 'publish' }>;

/** Runs a publish step with its admission: granted publishes, a refusal fails the step for good. */
async function settlePublish(ctx: RunContext, nodeId: string, attempt: number, admission: PublishAdmission | undefined, behaviour: PublishBehaviour): Promise<void> {
  if (!admission) throw new Error(`publish step "${nodeId}" was settled without an admission`);
  const { tx, clock, flow } = ctx;
  const at = clock.now();
  tx.append({ type: 'StepStarted', nodeId, at: at.toISOString(), data: { attempt } });
  const outcome = behaviour.run(stepContext(flow, tx.state, nodeId), admission);
  await finishAttempt(ctx, nodeId, attempt, outcome, Math.max(0, clock.now().getTime() - at.getTime()));
}

async function settleHttp(ctx: RunContext, nodeId: string, attempt: number, effect: EffectResult | undefined, behaviour: HttpBehaviour): Promise<void> {
  const { tx, clock, flow } = ctx;
  if (!effect) {
    // planStep answers 'local' only when the request cannot be built; rebuild to record why.
    const startedMs = clock.now().getTime();
    const built = await behaviour.request(stepContext(flow, tx.state, nodeId));
    if (built.ok) throw new Error(`http step "${nodeId}" was settled without the effect of its request`);
    tx.append({ type: 'StepStarted', nodeId, at: new Date(startedMs).toISOString(), data: { attempt } });
    await finishAttempt(ctx, nodeId, attempt, { kind: 'failed', error: built.error }, Math.max(0, clock.now().getTime() - startedMs));
    return;
  }
  tx.append({ type: 'StepStarted', nodeId, at: effect.startedAt, data: { attempt } });
  await finishAttempt(ctx, nodeId, attempt, behaviour.settle(effect, clock.now()), effect.durationMs);
}

async function settleDelay(ctx: RunContext, step: StepState, attempt: number, delayMs: number): Promise<void> {
  const { tx, clock } = ctx;
  const nodeId = step.nodeId;
  const now = clock.now();
  if (step.status === 'running' && step.dueAt !== undefined) {
    const dueMs = Date.parse(step.dueAt);
    if (now.getTime() < dueMs - TIMER_SKEW_TOLERANCE_MS) {
      // Too early to be the timer (e.g. the original dispatch redelivered): re-arm the
      // timer rather than finish early. This transition has a command but no events.
      tx.command({ kind: 'schedule', nodeId, attempt, dueAt: step.dueAt, reason: 'delay' });
      return;
    }
    const input = stepContext(ctx.flow, tx.state, nodeId).input;
    await finishAttempt(ctx, nodeId, attempt, { kind: 'succeeded', output: input, handle: null }, Math.max(0, now.getTime() - (dueMs - delayMs)));
    return;
  }
  tx.append({ type: 'StepStarted', nodeId, at: now.toISOString(), data: { attempt } });
  if (delayMs === 0) {
    const input = stepContext(ctx.flow, tx.state, nodeId).input;
    await finishAttempt(ctx, nodeId, attempt, { kind: 'succeeded', output: input, handle: null }, 0);
    return;
  }
  const dueAt = new Date(now.getTime() + delayMs).toISOString();
  tx.append({ type: 'TimerStarted', nodeId, at: now.toISOString(), data: { dueAt, delayMs } });
  tx.command({ kind: 'schedule', nodeId, attempt, dueAt, reason: 'delay' });
}
