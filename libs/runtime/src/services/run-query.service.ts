import type { DeadLetterDto, HistoryEvent, RetryDto, RunState, RunStatus } from '@sluice/contracts';
import { foldHistory } from '@sluice/engine';
import type { StorePort } from '../ports/store.port';
import { DomainError } from '../errors/domain-error';

/** Read side: run state (now or as of a seq), history, retries and dead letters. */
export class RunQueryService {
  constructor(private readonly store: StorePort) {}

  async get(runId: string, asOf?: number): Promise<RunState> {
    if (asOf === undefined) {
      const state = await this.store.getRun(runId);
      if (!state) throw new DomainError('not_found', `Run ${runId} does not exist`);
      return state;
    }
    const history = await this.store.getHistory(runId);
    if (history.length === 0) throw new DomainError('not_found', `Run ${runId} does not exist`);
    const state = foldHistory(history, asOf);
    if (!state) throw new DomainError('not_found', `Run ${runId} has no state as of seq ${asOf}`);
    return state;
  }

  async history(runId: string): Promise<HistoryEvent[]> {
    const history = await this.store.getHistory(runId);
    if (history.length === 0) throw new DomainError('not_found', `Run ${runId} does not exist`);
    return history;
  }

  list(query: { flowId?: string; status?: RunStatus; limit: number; cursor?: string }) {
    return this.store.listRuns(query);
  }

  async retries(limit = 500): Promise<RetryDto[]> {
    return (await this.store.listRetries(limit)).map((retry) => ({
      runId: retry.runId, flowId: retry.flowId, nodeId: retry.nodeId, attempt: retry.attempt,
      maxAttempts: retry.maxAttempts, dueAt: retry.dueAt, lastError: retry.lastError,
    }));
  }

  async deadLetters(limit = 500): Promise<DeadLetterDto[]> {
    return this.store.listDeadLetters(limit);
  }
}
