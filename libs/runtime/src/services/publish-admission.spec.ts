import type { PublishIntent } from '@sluice/engine';
import { NewChainAdmission, publishKey } from './publish-admission';

const limits = { maxDepth: 2, maxChainRuns: 5 };

function intent(runId: string, nodeId: string, topic: string, depth = 1): PublishIntent {
  return { runId, nodeId, topic, chain: { originEventId: `event-of-${runId}`, depth } };
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
