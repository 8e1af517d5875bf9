import type { FlowEdge, RunState, StepState } from '@sluice/contracts';
import { type CompiledFlow, edgeHandle } from '../graph/compile-flow';
import type { StepOutcome } from '../nodes/node-definition';
import { publishEventId } from '../nodes/publish.node';
import { nextHop, runChain } from './publish-chain';
import { retryDelayMs } from '../retry/backoff';
import type { EngineClock } from './engine-clock';
import { capStepOutput } from './output-limit';
import { stepContext } from './step-scope';
import type { TransitionBuilder } from './transition';

/** Everything one transition works with. */
export interface RunContext {
  flow: CompiledFlow;
  clock: EngineClock;
  tx: TransitionBuilder;
}

const isoNow = (clock: EngineClock): string => clock.now().toISOString();

function findStep(state: RunState, nodeId: string): StepState | undefined {
  return state.steps.find((step) => step.nodeId === nodeId);
}

/** Edges a finished step leaves by: its handle on success, `error` on a caught failure, none otherwise. */
function takenEdges(flow: CompiledFlow, step: StepState): FlowEdge[] {
  if (step.status === 'succeeded') return flow.outgoing(step.nodeId, step.handle ?? null);
  if (step.status === 'failed' && step.caught) return flow.outgoing(step.nodeId, 'error');
  return [];
}

/** An edge that can never fire: its source was skipped, or finished and left by another handle. */
function edgeIsDead(flow: CompiledFlow, state: RunState, edge: FlowEdge): boolean {
  const source = findStep(state, edge.source);
  if (!source) return false;
  if (source.status === 'skipped') return true;
  if (source.status === 'succeeded' || (source.status === 'failed' && source.caught)) {
    return !takenEdges(flow, source).some((taken) => taken.id === edge.id);
  }
  return false;
}

/**
 * Records the start of an attempt and runs a local (pure) node, then records
 * its outcome and moves the run on.
 */
export async function runLocalStep(ctx: RunContext, nodeId: string, attempt: number): Promise<void> {
  const { outcome, durationMs } = await executeLocal(ctx, nodeId, attempt);
  await finishAttempt(ctx, nodeId, attempt, outcome, durationMs);
}

/** Records how an attempt ended and, when the step left by an edge, follows it. */
export async function finishAttempt(ctx: RunContext, nodeId: string, attempt: number, outcome: StepOutcome, durationMs: number): Promise<void> {
  if (recordOutcome(ctx, nodeId, attempt, outcome, durationMs)) await followEdges(ctx, nodeId);
}

/** Appends StepStarted and runs a local node; the duration is wall time by the clock, in ms. */
async function executeLocal(ctx: RunContext, nodeId: string, attempt: number): Promise<{ outcome: StepOutcome; durationMs: number }> {
  const behaviour = ctx.flow.definition(nodeId).behaviour;
  if (behaviour.kind !== 'local') throw new Error(`Node "${nodeId}" (${ctx.flow.node(nodeId)?.type}) is not a local node`);
  const startedMs = ctx.clock.now().getTime();
  ctx.tx.append({ type: 'StepStarted', nodeId, at: new Date(startedMs).toISOString(), data: { attempt } });
  const outcome = await behaviour.run(stepContext(ctx.flow, ctx.tx.state, nodeId));
  return { outcome, durationMs: Math.max(0, ctx.clock.now().getTime() - startedMs) };
}

/**
 * Records how an attempt ended: success; a retry while attempts remain and
 * the error is retryable; a caught failure when the node has `error` edges;
 * else a dead letter. A success whose output passes the flow's step output
 * limit, or that the store cannot hold, is recorded as a final
 * `output_too_large` or `output_unstorable` failure instead (see `capStepOutput`).
 * @returns true when the step left by an edge that should now be followed.
 */
function recordOutcome(ctx: RunContext, nodeId: string, attempt: number, reported: StepOutcome, durationMs: number): boolean {
  const { tx, clock, flow } = ctx;
  const outcome = capStepOutput(reported, nodeId, flow.maxStepOutputBytes);
  if (outcome.kind === 'succeeded') {
    tx.append({ type: 'StepSucceeded', nodeId, at: isoNow(clock), data: { attempt, output: outcome.output, handle: outcome.handle, durationMs } });
    if (outcome.publish) {
      tx.command({
        kind: 'publish', nodeId, topic: outcome.publish.topic, eventId: publishEventId(tx.state.id, nodeId),
        payload: outcome.publish.payload, chain: nextHop(runChain(tx.state)),
      });
    }
    return true;
  }
  const policy = flow.retryPolicy(nodeId);
  const { error } = outcome;
  const attempts = findStep(tx.state, nodeId)?.attempts ?? attempt;
  if (error.retryable && attempts < policy.maxAttempts) {
    tx.append({ type: 'StepFailed', nodeId, at: isoNow(clock), data: { attempt, error, durationMs, final: false, caught: false } });
    const now = clock.now();
    const delayMs = retryDelayMs(policy, attempts, () => clock.random(), outcome.retryAfterMs);
    const dueAt = new Date(now.getTime() + delayMs).toISOString();
    tx.append({ type: 'RetryScheduled', nodeId, at: now.toISOString(), data: { attempt: attempt + 1, maxAttempts: policy.maxAttempts, delayMs, dueAt } });
    tx.command({ kind: 'schedule', nodeId, attempt: attempt + 1, dueAt, reason: 'retry' });
    return false;
  }
  const caught = flow.outgoing(nodeId, 'error').length > 0;
  tx.append({ type: 'StepFailed', nodeId, at: isoNow(clock), data: { attempt, error, durationMs, final: true, caught } });
  if (caught) return true;
  const deadLetterId = clock.newId();
  tx.append({ type: 'StepDeadLettered', nodeId, at: isoNow(clock), data: { deadLetterId, attempts, error } });
  tx.command({ kind: 'deadLetter', deadLetterId, nodeId, attempts, error });
  return false;
}

/**
 * Follows the edges of a step that just finished. Targets of taken edges are
 * scheduled once per run (a merge's second arrival is ignored); inline
 * targets run at once, others get a `dispatch`. Targets of untaken edges are
 * skipped when none of their inputs can fire any more, and skipping spreads
 * downstream. A work queue, not recursion, so long chains do not grow the stack.
 */
async function followEdges(ctx: RunContext, finishedNodeId: string): Promise<void> {
  const { tx, flow, clock } = ctx;
  const queue = [finishedNodeId];
  for (let nodeId = queue.shift(); nodeId !== undefined; nodeId = queue.shift()) {
    const step = findStep(tx.state, nodeId);
    if (!step) continue;
    const taken = takenEdges(flow, step);
    for (const edge of flow.outgoingAll(nodeId)) if (!taken.includes(edge)) skipIfUnreachable(ctx, edge);
    for (const edge of taken) {
      if (findStep(tx.state, edge.target)) continue;
      const maxAttempts = flow.retryPolicy(edge.target).maxAttempts;
      tx.append({ type: 'StepScheduled', nodeId: edge.target, at: isoNow(clock), data: { attempt: 1, from: nodeId, maxAttempts } });
      if (!flow.definition(edge.target).inline) {
        tx.command({ kind: 'dispatch', nodeId: edge.target, attempt: 1 });
        continue;
      }
      const { outcome, durationMs } = await executeLocal(ctx, edge.target, 1);
      if (recordOutcome(ctx, edge.target, 1, outcome, durationMs)) queue.push(edge.target);
    }
  }
}

/** Skips the edge's target when every edge into it is dead, then tries its successors. */
function skipIfUnreachable(ctx: RunContext, first: FlowEdge): void {
  const { tx, flow, clock } = ctx;
  const pending = [first];
  for (let edge = pending.shift(); edge !== undefined; edge = pending.shift()) {
    if (findStep(tx.state, edge.target)) continue;
    const state = tx.state;
    if (!flow.incoming(edge.target).every((incoming) => edgeIsDead(flow, state, incoming))) continue;
    const source = findStep(state, edge.source);
    const reason = source?.status === 'skipped'
      ? `upstream step "${edge.source}" was skipped`
      : `branch ${edgeHandle(edge) ?? 'default'} of "${edge.source}" was not taken`;
    tx.append({ type: 'StepSkipped', nodeId: edge.target, at: isoNow(clock), data: { reason } });
    pending.push(...flow.outgoingAll(edge.target));
  }
}

/**
 * Finishes the run once nothing is scheduled, running or retrying: failed if
 * any step is dead, ignored if every leaf (a finished step that left by no
 * edge) is an `ignore` node, else succeeded.
 */
export function completeRunIfDone(ctx: RunContext): void {
  const { tx, flow, clock } = ctx;
  const state = tx.state;
  if (state.status !== 'running') return;
  const inFlight = state.steps.some((step) => step.status === 'scheduled' || step.status === 'running' || step.status === 'retrying');
  if (inFlight) return;
  const at = isoNow(clock);
  if (state.steps.some((step) => step.status === 'dead')) return tx.append({ type: 'RunFailed', at, data: {} });
  const leaves = state.steps.filter(
    (step) => (step.status === 'succeeded' || step.status === 'failed') && takenEdges(flow, step).length === 0,
  );
  const ignored = leaves.length > 0 && leaves.every((step) => flow.node(step.nodeId)?.type === 'ignore');
  tx.append({ type: ignored ? 'RunIgnored' : 'RunSucceeded', at, data: {} });
}
