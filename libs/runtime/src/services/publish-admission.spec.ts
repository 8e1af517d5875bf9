import type { PublishIntent } from '@sluice/engine';
import type { ChainRunRequest, RunTransaction } from '../ports/store.port';
import { admitPublishes, NewChainAdmission, publishKey } from './publish-admission';

const limits = { maxDepth: 2, maxChainRuns: 5 };

function intent(runId: string, nodeId: string, topic: string, depth = 1, payload: unknown = { n: 1 }): PublishIntent {
  return { runId, nodeId, topic, eventId: `${runId}:${nodeId}`, payload, chain: { originEventId: `event-of-${runId}`, depth } };
}

describe('NewChainAdmission', () => {
  const fanOut = (topic: string): number => ({ wide: 3, none: 0, huge: 6 })[topic] ?? 1;

  it('grants publish steps of a new chain while its runs stay within the budget, counting from 0 per origin', async () => {
    const admission = new NewChainAdmission(fanOut, limits);
    const first = await admission.admit([intent('r1', 'a', 'wide'), intent('r2', 'a', 'wide')]);
    expect(first.get(publishKey('r1', 'a'))).toEqual({ kind: 'publish', granted: true });
    expect(first.get(publishKey('r2', 'a'))).toEqual({ kind: 'publish', granted: true });

    // r1 already counts 3 runs: 3 more would pass 5.
    const second = await admission.admit([intent('r1', 'b', 'wide'), intent('r1', 'c', 'none')]);
    expect(second.get(publishKey('r1', 'b'))).toMatchObject({ granted: false, error: { code: 'publish_budget', retryable: false } });
    expect(second.get(publishKey('r1', 'c'))).toEqual({ kind: 'publish', granted: true });
    expect(admission.chainRuns()).toEqual([
      { originEventId: 'event-of-r1', runs: 3, insertedWith: 'r1' },
      { originEventId: 'event-of-r2', runs: 3, insertedWith: 'r2' },
    ]);
  });

  it('refuses a fan-out larger than the budget, and a hop past the depth, counting neither', async () => {
    const admission = new NewChainAdmission(fanOut, limits);
    const answers = await admission.admit([intent('r1', 'a', 'huge'), intent('r2', 'a', 'wide', 3)]);
    expect(answers.get(publishKey('r1', 'a'))).toMatchObject({ granted: false, error: { code: 'publish_budget' } });
    expect(answers.get(publishKey('r2', 'a'))).toMatchObject({ granted: false, error: { code: 'publish_depth' } });
    expect(admission.chainRuns()).toEqual([]);
  });

  it('admits a step named twice once', async () => {
    const admission = new NewChainAdmission(fanOut, limits);
    await admission.admit([intent('r1', 'a', 'wide'), intent('r1', 'a', 'wide')]);
    expect(admission.chainRuns()).toEqual([{ originEventId: 'event-of-r1', runs: 3, insertedWith: 'r1' }]);
  });
});

describe('publish admission with a broker limit', () => {
  const limited = { ...limits, maxMessageBytes: 2048 };
  const big = { blob: 'x'.repeat(2048) };

  it('refuses a new chain\'s step whose event passes the broker\'s limit with event_too_large, counting none of its runs', async () => {
    const admission = new NewChainAdmission(() => 1, limited);
    const answers = await admission.admit([intent('r1', 'a', 'orders', 1, big), intent('r2', 'a', 'orders')]);
    expect(answers.get(publishKey('r1', 'a'))).toMatchObject({ granted: false, error: { code: 'event_too_large', retryable: false } });
    expect(answers.get(publishKey('r2', 'a'))).toEqual({ kind: 'publish', granted: true });
    expect(admission.chainRuns()).toEqual([{ originEventId: 'event-of-r2', runs: 1, insertedWith: 'r2' }]);
  });

  it('refuses a step past the limit inside a transaction without asking the budget for it', async () => {
    const asked: ChainRunRequest[] = [];
    const tx = {
      async reserveChainRuns(requests: readonly ChainRunRequest[]) {
        asked.push(...requests);
        return requests.map(() => ({ granted: true, used: 0 }));
      },
    };
    const answers = await admitPublishes(tx as unknown as RunTransaction, [intent('r1', 'a', 'orders', 1, big), intent('r2', 'a', 'orders')], async () => 1, limited);
    expect(answers.get(publishKey('r1', 'a'))).toMatchObject({ granted: false, error: { code: 'event_too_large', message: expect.stringContaining('at most 2048 bytes per message') } });
    expect(answers.get(publishKey('r2', 'a'))).toEqual({ kind: 'publish', granted: true });
    expect(asked).toEqual([{ originEventId: 'event-of-r2', runs: 1 }]);
  });

  it('grants the same step when the broker sets no limit', async () => {
    const admission = new NewChainAdmission(() => 1, limits);
    const answers = await admission.admit([intent('r1', 'a', 'orders', 1, big)]);
    expect(answers.get(publishKey('r1', 'a'))).toEqual({ kind: 'publish', granted: true });
  });
});
