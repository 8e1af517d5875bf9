import type { Delivery } from '@sluice/broker';
import type { RunState, StepMessage } from '@sluice/contracts';
import { planStep, settleStep, type CompiledFlow, type EffectResult, type EngineClock, type Transition } from '@sluice/engine';
import type { StorePort } from '@sluice/store';
import type { HttpCaller } from '../ports/http-caller.port';
import type { Logger } from '../ports/logger.port';
import type { FlowCache } from './flow-cache';
import type { RunChange, RunCommitter } from './run-committer';

/** Pause before requeueing a batch whose commit failed, in ms, so a store outage doesn't spin. */
const REQUEUE_PAUSE_MS = 1000;

/**
 * Runs a batch of step messages: outside effects (HTTP calls) first, without
 * locks; then one transaction that locks the runs, re-checks every message
 * against the current state (a redelivered or stale message changes
 * nothing), and writes all resulting history, outbox rows, timers and dead
 * letters together. Messages are acknowledged only after the commit.
 */
export class StepExecutor {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly http: HttpCaller,
    private readonly clock: EngineClock,
    private readonly logger: Logger,
  ) {}

  async handle(batch: Delivery<StepMessage>[]): Promise<void> {
    try {
      await this.process(batch);
      for (const delivery of batch) delivery.ack();
    } catch (error) {
      this.logger.error({ err: error, count: batch.length }, 'step batch failed; requeued');
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      for (const delivery of batch) delivery.nack(true);
    }
  }

  private async process(batch: Delivery<StepMessage>[]): Promise<void> {
    const messages = batch.map((delivery) => delivery.message);
    const states = await this.store.getRuns([...new Set(messages.map((message) => message.runId))]);
    const flows = new Map<string, CompiledFlow>();
    const effects = new Map<StepMessage, Promise<Performed>>();
    for (const message of messages) {
      const state = states.get(message.runId);
      if (!state) {
        this.logger.warn({ runId: message.runId, nodeId: message.nodeId }, 'step message for an unknown run dropped');
        continue;
      }
      const flow = await this.flows.version(state.flowId, state.flowVersion);
      if (!flow) {
        this.logger.error({ runId: state.id, flowId: state.flowId, version: state.flowVersion }, 'flow version missing; step dropped');
        continue;
      }
      flows.set(state.id, flow);
      effects.set(message, this.perform(flow, state, message));
    }
    const results = new Map<StepMessage, EffectResult | undefined>();
    for (const [message, performed] of effects) {
      const outcome = await performed;
      if (outcome.live) results.set(message, outcome.effect);
    }
    const live = messages.filter((message) => results.has(message));
    if (live.length === 0) return;

    await this.committer.prepare();
    const staged = await this.store.transaction(async (tx) => {
      const locked = await tx.lockRuns([...new Set(live.map((message) => message.runId))]);
      const perRun = new Map<string, { flow: CompiledFlow; state: RunState; transitions: Transition[] }>();
      for (const message of live) {
        const flow = flows.get(message.runId);
        const current = perRun.get(message.runId)?.state ?? locked.get(message.runId);
        if (!flow || !current) continue;
        const transition = await settleStep(flow, current, message, results.get(message), this.clock);
        // A stale message yields nothing; an early delay timer yields only a command that re-arms it.
        if (transition.events.length === 0 && transition.commands.length === 0) continue;
        const entry = perRun.get(message.runId) ?? { flow, state: current, transitions: [] };
        entry.state = transition.state;
        entry.transitions.push(transition);
        perRun.set(message.runId, entry);
      }
      const changes: RunChange[] = [...perRun.values()].map(({ flow, transitions }) => ({ flow, transitions, isNew: false }));
      return this.committer.stage(tx, changes);
    });
    this.committer.afterCommit(staged);
  }

  /** Plans the step and performs its outside effect, if it has one. */
  private async perform(flow: CompiledFlow, state: RunState, message: StepMessage): Promise<Performed> {
    const plan = await planStep(flow, state, message);
    switch (plan.kind) {
      case 'stale':
        return { live: false };
      case 'http':
        return { live: true, effect: await this.http.call(plan.request) };
      case 'local':
        return { live: true, effect: undefined };
      default: {
        const unreachable: never = plan;
        throw new Error(`unknown plan ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

/** A stale message (its attempt is no longer awaited) has nothing to perform. */
type Performed = { live: false } | { live: true; effect: EffectResult | undefined };
