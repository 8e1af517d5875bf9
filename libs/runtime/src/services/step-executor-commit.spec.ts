import type { RunState } from '@sluice/contracts';
import type { StepMessage } from '@sluice/engine';
import type { Delivery } from '../ports/broker.port';
import { silentLogger } from '../ports/logger.port';
import type { RunTransaction, StorePort } from '../ports/store.port';
import type { FlowCache } from './flow-cache';
import type { CommittedChanges, Decision, PublishGate, RunCommitter } from './run-committer';
import { StepExecutor } from './step-executor';
import { answeringOk, clock, oneCallFlow, startedRuns } from './step-executor.spec-support';

/**
 * A worker over fakes: `fail(runIds)` decides whether the store refuses a
 * commit holding those runs, and the committer records the runs it committed.
 */
async function setup(runs: number, fail: (runIds: string[]) => Error | undefined) {
  const flow = oneCallFlow();
  const states = await startedRuns(flow, runs);
  const store = { getRuns: async (ids: readonly string[]) => new Map(ids.flatMap((id) => (states.has(id) ? [[id, states.get(id)!]] : []))) };
  const flows = { version: async () => flow };
  const http = answeringOk();
  const commits: string[][] = [];
  const committed: string[] = [];
  const committer = {
    async transact<T>(decide: (tx: RunTransaction, publishes: PublishGate) => Promise<Decision<T>>) {
      const tx = { lockRuns: async (_ids: readonly string[], known: ReadonlyMap<string, RunState>) => new Map(known) } as unknown as RunTransaction;
      const decision = await decide(tx, { admit: async () => new Map() });
      const runIds = decision.changes.map((change) => change.transitions[0]!.state.id);
      commits.push(runIds);
      const error = fail(runIds);
      if (error) throw error;
      committed.push(...runIds);
      return { committed: {} as CommittedChanges, result: decision.result };
    },
  };
  const executor = new StepExecutor(
    store as unknown as StorePort, flows as unknown as FlowCache, committer as unknown as RunCommitter, http, clock, silentLogger,
  );
  const deliveries = [...states.keys()].map((runId) => {
    const delivery = {
      message: { kind: 'step', runId, nodeId: 'call', attempt: 1 } as StepMessage,
      redelivered: false, acked: 0, nacked: [] as (boolean | undefined)[],
      ack() { delivery.acked += 1; },
      nack(requeue?: boolean) { delivery.nacked.push(requeue); },
    };
    return delivery;
  });
  return { executor, deliveries, runIds: [...states.keys()], commits, committed, batch: deliveries as unknown as Delivery<StepMessage>[] };
}

const unstorable = (): Error => Object.assign(new Error('the store refused a value (22P02)'), { code: 'unstorable' });

describe('StepExecutor commits', () => {
  it('commits the other results of a batch when the store refuses one, and requeues only that one', async () => {
    let bad = '';
    const { executor, deliveries, runIds, commits, committed, batch } = await setup(9, (ids) => (ids.includes(bad) ? unstorable() : undefined));
    bad = runIds[6]!;

    await executor.handle(batch);

    // One commit for the whole batch first: the results were ready together.
    expect(commits[0]).toEqual(runIds);
    expect([...committed].sort()).toEqual(runIds.filter((id) => id !== bad));
    expect(deliveries.map((delivery) => [delivery.acked, delivery.nacked])).toEqual(
      runIds.map((id) => (id === bad ? [0, [true]] : [1, []])),
    );
  });

  it('requeues the whole batch at once when the store is down, without splitting', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const { executor, deliveries, commits, batch } = await setup(6, () => down);

    await executor.handle(batch);

    expect(commits).toHaveLength(1);
    expect(deliveries.every((delivery) => delivery.acked === 0 && delivery.nacked.length === 1 && delivery.nacked[0] === true)).toBe(true);
  });
});
