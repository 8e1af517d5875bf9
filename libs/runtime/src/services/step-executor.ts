import type { RunState } from '@sluice/contracts';
import type { Delivery } from '../ports/broker.port';
import type { StepMessage } from '../ports/broker-messages';
import { planStep, publishIntent, settleStep, type CompiledFlow, type EffectResult, type EngineClock, type Transition } from '@sluice/engine';
import type { StorePort } from '../ports/store.port';
import type { HttpCaller } from '../ports/http-caller.port';
import type { Logger } from '../ports/logger.port';
import type { FlowCache } from './flow-cache';
import { CommitTrain } from '../throughput/commit-train';
import { mayBelongToOneMember } from '../throughput/commit-errors';
import { publishKey } from './publish-admission';
import { DEFAULT_MAX_DELIVERIES, DeliveryLimit } from './delivery-limit';
import type { RunChange, RunCommitter } from './run-committer';

/** Most step results in one commit; the prefetch already bounds the messages in flight. */
const MAX_STEPS_PER_COMMIT = 1000;

/** Tuning of a StepExecutor. */
export interface StepExecutorOptions {
  /** Deliveries of one step message that may fail before its step is dead-lettered (SLUICE_MAX_DELIVERIES). */
  maxDeliveries: number;
}

/** A live step message with its flow and the outcome of its outside effect. */
interface Performed {
  delivery: Delivery<StepMessage>;
  flow: CompiledFlow;
  /** The run's state the effect was planned on; the commit reuses it when the run has not moved since. */
  state: RunState;
  effect: EffectResult | undefined;
}

/**
 * Runs a batch of step messages. Outside effects (HTTP calls) run
 * concurrently and without locks. Messages whose effects are done are
 * committed together in waves, so one slow call does not hold back the rest of
 * its batch: each wave is one transaction that locks its runs, re-checks every
 * message against the current state (a redelivered or stale message changes
 * nothing), and writes all resulting history, outbox rows, timers and dead
 * letters together. Waves of concurrent batches that are ready while a commit
 * is in flight share the next one (a `CommitTrain`), so the number of
 * transactions follows the store's pace, not the number of batches. Messages
 * are acknowledged only after their commit. A commit the store refuses for
 * one result (a value it cannot hold, a run that moved) is split until that
 * result is alone, so the others commit and only its message is requeued.
 * A message that keeps failing, or keeps coming back, is dead-lettered after
 * `maxDeliveries` deliveries with the cause (`DeliveryLimit`).
 */
export class StepExecutor {
  private readonly train = new CommitTrain<Performed, void>(
    async (results) => {
      await this.commit(results);
      return results.map(() => undefined);
    },
    { maxBatch: MAX_STEPS_PER_COMMIT, maxInFlight: 1, isolable: mayBelongToOneMember },
  );
  private readonly deliveries: DeliveryLimit;

  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly http: HttpCaller,
    private readonly clock: EngineClock,
    private readonly logger: Logger,
    options: StepExecutorOptions = { maxDeliveries: DEFAULT_MAX_DELIVERIES },
  ) {
    this.deliveries = new DeliveryLimit(store, flows, committer, clock, logger, options.maxDeliveries);
  }

  async handle(batch: Delivery<StepMessage>[]): Promise<void> {
    let admitted: Delivery<StepMessage>[];
    try {
      admitted = await this.deliveries.admit(batch);
    } catch (error) {
      await this.deliveries.requeue(batch, error);
      return;
    }
    let live: Promise<Performed>[];
    try {
      live = await this.start(admitted);
    } catch (error) {
      await this.deliveries.fail(admitted, error);
      return;
    }
    const done: Performed[] = [];
    let wake: (() => void) | undefined;
    for (const pending of live) {
      void pending.then((performed) => {
        done.push(performed);
        wake?.();
      });
    }
    for (let remaining = live.length; remaining > 0; ) {
      if (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      // Let effects finishing in the same moment join this wave.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const wave = done.splice(0, done.length);
      remaining -= wave.length;
      const outcomes = await Promise.allSettled(this.train.submitAll(wave));
      // Messages whose commit failed are requeued together, per error.
      const failed = new Map<unknown, Delivery<StepMessage>[]>();
      outcomes.forEach((outcome, index) => {
        const { delivery } = wave[index]!;
        if (outcome.status === 'fulfilled') delivery.ack();
        else failed.set(outcome.reason, [...(failed.get(outcome.reason) ?? []), delivery]);
      });
      await Promise.all([...failed].map(([error, deliveries]) => this.deliveries.fail(deliveries, error)));
    }
  }

  /** Loads states and flows, acks what is stale or unknown, and starts the effects of the rest. */
  private async start(batch: Delivery<StepMessage>[]): Promise<Promise<Performed>[]> {
    const states = await this.store.getRuns([...new Set(batch.map((delivery) => delivery.message.runId))]);
    const live: Promise<Performed>[] = [];
    for (const delivery of batch) {
      const { message } = delivery;
      const state = states.get(message.runId);
      const flow = state && (await this.flows.version(state.flowId, state.flowVersion));
      if (!state || !flow) {
        this.logger.warn({ runId: message.runId, nodeId: message.nodeId }, 'step message for an unknown run or flow version dropped');
        delivery.ack();
        continue;
      }
      const plan = await planStep(flow, state, message);
      switch (plan.kind) {
        case 'stale':
          delivery.ack();
          break;
        case 'local':
          live.push(Promise.resolve({ delivery, flow, state, effect: undefined }));
          break;
        case 'http':
          live.push(
            this.http
              .call(plan.request)
              .catch((error: unknown): EffectResult => ({
                kind: 'http', startedAt: this.clock.now().toISOString(), durationMs: 0,
                error: { code: 'network', message: error instanceof Error ? error.message : String(error) },
              }))
              .then((effect) => ({ delivery, flow, state, effect })),
          );
          break;
      }
    }
    return live;
  }

  private async commit(wave: readonly Performed[]): Promise<void> {
    await this.committer.transact(async (tx, publishes) => {
      const planned = new Map(wave.map(({ delivery, state }) => [delivery.message.runId, state]));
      const locked = await tx.lockRuns([...planned.keys()], planned);
      // Publish steps are admitted (chain depth and run budget) under the same locks, all in one go.
      const admissions = await publishes.admit(wave.flatMap(({ delivery, flow }) => {
        const state = locked.get(delivery.message.runId);
        const intent = state && publishIntent(flow, state, delivery.message);
        return intent ? [intent] : [];
      }));
      const perRun = new Map<string, { flow: CompiledFlow; state: RunState; transitions: Transition[] }>();
      for (const { delivery, flow, effect } of wave) {
        const { message } = delivery;
        const current = perRun.get(message.runId)?.state ?? locked.get(message.runId);
        if (!current) continue;
        const transition = await settleStep(flow, current, message, effect ?? admissions.get(publishKey(message.runId, message.nodeId)), this.clock);
        // A stale message yields nothing; an early delay timer yields only a command that re-arms it.
        if (transition.events.length === 0 && transition.commands.length === 0) continue;
        const entry = perRun.get(message.runId) ?? { flow, state: current, transitions: [] };
        entry.state = transition.state;
        entry.transitions.push(transition);
        perRun.set(message.runId, entry);
      }
      const changes: RunChange[] = [...perRun.values()].map(({ flow, transitions }) => ({ flow, transitions, isNew: false }));
      return { changes, result: undefined };
    });
  }
}
