import type { HistoryEvent, RunState } from '@sluice/contracts';
import type { StepMessage } from '@sluice/engine';
import type { Delivery } from '../ports/broker.port';
import { silentLogger } from '../ports/logger.port';
import type { RunTransaction, StepDeliveryCount, StepDeliveryKey, StorePort } from '../ports/store.port';
import type { FlowCache } from './flow-cache';
import type { CommittedChanges, Decision, PublishGate, RunCommitter } from './run-committer';
import { StepExecutor } from './step-executor';
import { answeringOk, clock, oneCallFlow, startedRuns } from './step-executor.spec-support';

interface Options {
  /** What the store answers when it counts a redelivery or records a failure; throws to act as a store that is away. */
  counts?: (kind: 'redelivery' | 'failure', key: StepDeliveryKey) => StepDeliveryCount;
  /** Whether the store refuses a commit holding these events. */
  refuse?: (events: HistoryEvent[]) => Error | undefined;
}

/** A worker over fakes, with SLUICE_MAX_DELIVERIES at 3 and one run waiting at its http step. */
async function setup(options: Options = {}) {
  const flow = oneCallFlow();
  const [[runId, state]] = [...(await startedRuns(flow, 1))] as [[string, RunState]];
  const counted: { kind: string; key: StepDeliveryKey; error?: string }[] = [];
  const count = (kind: 'redelivery' | 'failure', key: StepDeliveryKey, error?: string): StepDeliveryCount => {
    counted.push({ kind, key, ...(error === undefined ? {} : { error }) });
    return options.counts?.(kind, key) ?? { deliveries: kind === 'redelivery' ? 2 : 1, lastError: null };
  };
  const store = {
    getRuns: async (ids: readonly string[]) => new Map(ids.includes(runId) ? [[runId, state]] : []),
    countRedeliveries: async (keys: readonly StepDeliveryKey[]) => keys.map((key) => count('redelivery', key)),
    recordDeliveryFailures: async (failures: readonly { key: StepDeliveryKey; error: string }[]) =>
      failures.map(({ key, error }) => count('failure', key, error)),
  };
  const calls: string[] = [];
  const http = answeringOk(calls);
  const committed: HistoryEvent[][] = [];
  const committer = {
    async transact<T>(decide: (tx: RunTransaction, publishes: PublishGate) => Promise<Decision<T>>) {
      const tx = { lockRuns: async () => new Map([[runId, state]]) } as unknown as RunTransaction;
      const decision = await decide(tx, { admit: async () => new Map() });
      const events = decision.changes.flatMap((change) => change.transitions.flatMap((transition) => transition.events));
      const error = options.refuse?.(events);
      if (error) throw error;
      committed.push(events);
      return { committed: {} as CommittedChanges, result: decision.result };
    },
  };
  const executor = new StepExecutor(
    store as unknown as StorePort, { version: async () => flow } as unknown as FlowCache, committer as unknown as RunCommitter, http, clock, silentLogger,
    { maxDeliveries: 3 },
  );
  const delivery = (redelivered: boolean) => {
    const settled = { acked: 0, nacked: [] as (boolean | undefined)[] };
    const item = {
      message: { kind: 'step', runId, nodeId: 'call', attempt: 1 } as StepMessage,
      id: 'message-1', redelivered,
      ack() { settled.acked += 1; },
      nack(requeue?: boolean) { settled.nacked.push(requeue); },
    };
    return { item: item as Delivery<StepMessage>, settled };
  };
  return { executor, delivery, counted, calls, committed };
}

const types = (events: HistoryEvent[]) => events.map((event) => `${event.type}${event.nodeId ? `:${event.nodeId}` : ''}`);
const refuseSuccess = (events: HistoryEvent[]) => (events.some((event) => event.type === 'StepSucceeded') ? new Error('injected: refused') : undefined);

describe('StepExecutor delivery limit (SLUICE_MAX_DELIVERIES)', () => {
  it('costs a first delivery nothing: no count is read or written', async () => {
    const { executor, delivery, counted, calls, committed } = await setup();
    const { item, settled } = delivery(false);

    await executor.handle([item]);

    expect(counted).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(types(committed[0]!)).toContain('StepSucceeded:call');
    expect(settled).toEqual({ acked: 1, nacked: [] });
  });

  it('counts a redelivery before processing it, and processes it within the limit', async () => {
    const { executor, delivery, counted, calls } = await setup({ counts: () => ({ deliveries: 3, lastError: null }) });
    const { item, settled } = delivery(true);

    await executor.handle([item]);

    expect(counted).toEqual([{ kind: 'redelivery', key: { messageId: 'message-1', runId: expect.any(String), nodeId: 'call', attempt: 1 } }]);
    expect(calls).toHaveLength(1);
    expect(settled).toEqual({ acked: 1, nacked: [] });
  });

  it('dead-letters, without running it, a redelivered message whose deliveries all ended without a word (crashes, lost connections)', async () => {
    const { executor, delivery, calls, committed } = await setup({ counts: () => ({ deliveries: 4, lastError: null }) });
    const { item, settled } = delivery(true);

    await executor.handle([item]);

    expect(calls).toEqual([]);
    expect(types(committed[0]!)).toEqual(['StepStarted:call', 'StepFailed:call', 'StepDeadLettered:call', 'RunFailed']);
    expect(committed[0]![2]!.data).toMatchObject({
      error: { code: 'delivery_limit', retryable: false, message: expect.stringMatching(/delivered 3 times .*no error was recorded/) },
    });
    expect(settled).toEqual({ acked: 1, nacked: [] });
  });

  it('requeues a failed delivery below the limit, recording its cause', async () => {
    const { executor, delivery, counted } = await setup({ refuse: refuseSuccess });
    const { item, settled } = delivery(false);

    await executor.handle([item]);

    expect(counted).toEqual([{ kind: 'failure', key: expect.objectContaining({ messageId: 'message-1' }), error: 'injected: refused' }]);
    expect(settled).toEqual({ acked: 0, nacked: [true] });
  });

  it('dead-letters the step, with the cause, when a delivery at the limit fails, instead of requeueing it', async () => {
    const { executor, delivery, calls, committed } = await setup({
      refuse: refuseSuccess,
      counts: (kind) => ({ deliveries: 3, lastError: kind === 'failure' ? 'injected: refused' : null }),
    });
    const { item, settled } = delivery(true);

    await executor.handle([item]);

    expect(calls).toHaveLength(1);
    expect(committed).toHaveLength(1);
    expect(committed[0]![2]).toMatchObject({
      type: 'StepDeadLettered',
      data: { error: { code: 'delivery_limit', message: expect.stringMatching(/delivered 3 times without being committed .*failed with: injected: refused$/) } },
    });
    expect(settled).toEqual({ acked: 1, nacked: [] });
  });

  it('counts nothing and dead-letters nothing while the store is away: the batch is requeued', async () => {
    const away = () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    const { executor, delivery, calls, committed } = await setup({ counts: away, refuse: () => new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    const redelivered = delivery(true);
    const first = delivery(false);

    await executor.handle([redelivered.item]);
    await executor.handle([first.item]);

    expect(committed).toEqual([]);
    expect(calls).toHaveLength(1);
    expect([redelivered.settled, first.settled]).toEqual([{ acked: 0, nacked: [true] }, { acked: 0, nacked: [true] }]);
  });
});
