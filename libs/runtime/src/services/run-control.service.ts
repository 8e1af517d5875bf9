import type { RunState } from '@sluice/contracts';
import { accelerateRetry, redriveStep, type EngineClock, type Transition } from '@sluice/engine';
import type { StorePort } from '../ports/store.port';
import { DomainError } from '../errors/domain-error';
import type { FlowCache } from './flow-cache';
import type { RunCommitter } from './run-committer';

/** Operator actions on runs: retry now, redrive and discard dead letters. */
export class RunControlService {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly committer: RunCommitter,
    private readonly clock: EngineClock,
  ) {}

  /** Retries the run's dead step, or brings its scheduled retry forward to now. */
  async retryNow(runId: string): Promise<void> {
    const state = await this.store.getRun(runId);
    if (!state) throw new DomainError('not_found', `Run ${runId} does not exist`);
    const step = state.steps.find((candidate) => candidate.status === 'dead' || candidate.status === 'retrying');
    if (!step) throw new DomainError('conflict', `Run ${runId} has no dead or retrying step`);
    await this.change(runId, (flowState) =>
      step.status === 'retrying'
        ? accelerateRetry(flowState.state, step.nodeId, this.clock)
        : redriveStep(flowState.flow, flowState.state, step.nodeId, 'retry', this.clock),
    );
  }

  async redrive(deadLetterId: string): Promise<void> {
    const letter = await this.store.getDeadLetter(deadLetterId);
    if (!letter) throw new DomainError('not_found', `Dead letter ${deadLetterId} does not exist`);
    await this.change(letter.runId, ({ flow, state }) => redriveStep(flow, state, letter.nodeId, 'redrive', this.clock));
  }

  async discard(deadLetterId: string): Promise<void> {
    if (!(await this.store.discardDeadLetter(deadLetterId))) {
      throw new DomainError('not_found', `Dead letter ${deadLetterId} does not exist or was already handled`);
    }
  }

  private async change(
    runId: string,
    decide: (input: { flow: NonNullable<Awaited<ReturnType<FlowCache['version']>>>; state: RunState }) => Transition | { error: 'not_found' | 'conflict'; message: string },
  ): Promise<void> {
    const snapshot = await this.store.getRun(runId);
    if (!snapshot) throw new DomainError('not_found', `Run ${runId} does not exist`);
    const flow = await this.flows.version(snapshot.flowId, snapshot.flowVersion);
    if (!flow) throw new DomainError('not_found', `Flow version of run ${runId} does not exist`);
    await this.committer.transact(async (tx) => {
      const state = (await tx.lockRuns([runId])).get(runId);
      if (!state) throw new DomainError('not_found', `Run ${runId} does not exist`);
      const result = decide({ flow, state });
      if ('error' in result) throw new DomainError(result.error, result.message);
      return { changes: [{ flow, transitions: [result], isNew: false }], result: undefined };
    });
  }
}
