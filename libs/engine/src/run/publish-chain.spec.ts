import type { HistoryEvent } from '@sluice/contracts';
import { flowGraph } from '../testing/graph-builder';
import { PUBLISH_GRANTED, RunHarness } from '../testing/run-harness';
import { foldHistory } from './fold';
import { DEFAULT_PUBLISH_LIMITS, publishIntent, refuseByBudget, refuseByDepth, runChain, type PublishIntent } from './publish-chain';

describe('publish chains', () => {
  /** subscribe "loop" → publish "loop" → end: the loop flow, one publish per run. */
  const setup = async (chain?: { originEventId: string; depth: number }) => {
    const h = RunHarness.of(flowGraph(
      [['s', 'subscribe', { topic: 'loop' }], ['p', 'publish', { topic: 'loop' }], ['e', 'end']],
      [['s', 'p'], ['p', 'e']],
    ));
    await h.start({ n: 1 }, chain ? { source: 'publish', chain } : { source: 'topic', topic: 'loop' });
    return h;
  };
  const message = { kind: 'step', runId: 'run-1', nodeId: 'p', attempt: 1 } as const;
  const limits = { maxDepth: 4, maxChainRuns: 50 };

  describe('runChain', () => {
    it('reads a run recorded before chains existed as a chain of its own at depth 0', () => {
      const old: HistoryEvent = {
        type: 'RunStarted', runId: 'r-old', seq: 1, at: '2025-01-01T00:00:00.000Z',
        data: { flowId: 'f', flowVersion: 1, eventId: 'ev-old', payload: null, source: 'publish', parentRunId: 'r0' },
      };
      const state = foldHistory([old]);
      expect(state?.chain).toBeUndefined();
      expect(runChain(state!)).toEqual({ originEventId: 'ev-old', depth: 0 });
    });
  });

  describe('publishIntent', () => {
    it('names the topic, the event with its payload and the next hop of the run\'s chain for a live publish step', async () => {
      const h = await setup({ originEventId: 'origin', depth: 2 });
      expect(publishIntent(h.flow, h.state, message)).toEqual({
        runId: 'run-1', nodeId: 'p', topic: 'loop', eventId: 'run-1:p', payload: { n: 1 }, chain: { originEventId: 'origin', depth: 3 },
      });
    });

    it('starts at hop 1 from a run the origin event started', async () => {
      const h = await setup();
      expect(publishIntent(h.flow, h.state, message)?.chain).toEqual({ originEventId: 'evt-1', depth: 1 });
    });

    it('is undefined for stale messages and other nodes', async () => {
      const h = await setup();
      expect(publishIntent(h.flow, h.state, { ...message, attempt: 2 })).toBeUndefined();
      expect(publishIntent(h.flow, h.state, { ...message, nodeId: 'e' })).toBeUndefined();
      await h.deliver('p', 1, PUBLISH_GRANTED);
      expect(publishIntent(h.flow, h.state, message)).toBeUndefined();
    });
  });

  describe('refusals', () => {
    const intent = (depth: number): PublishIntent => ({
      runId: 'r', nodeId: 'p', topic: 'loop', eventId: 'r:p', payload: null, chain: { originEventId: 'origin', depth },
    });

    it('allows hops up to the depth limit and refuses the next one, naming node, limit and setting', () => {
      expect(refuseByDepth(intent(4), limits)).toBeUndefined();
      expect(refuseByDepth(intent(5), limits)).toEqual({
        kind: 'publish', granted: false,
        error: {
          code: 'publish_depth', retryable: false,
          message: 'Node "p" (publish) would make hop 5 of the publish chain of event origin, past the limit of 4 hops (SLUICE_MAX_PUBLISH_DEPTH)',
        },
      });
    });

    it('explains a budget refusal with the runs asked for, used and allowed', () => {
      expect(refuseByBudget(intent(1), 2, 49, limits)).toEqual({
        kind: 'publish', granted: false,
        error: {
          code: 'publish_budget', retryable: false,
          message: 'Node "p" (publish) would start 2 more runs for the publish chain of event origin, which publish steps already started 49 of at most 50 (SLUICE_MAX_CHAIN_RUNS)',
        },
      });
    });

    it('defaults to 8 hops and 1,000 runs', () => {
      expect(DEFAULT_PUBLISH_LIMITS).toEqual({ maxDepth: 8, maxChainRuns: 1000 });
    });
  });

  describe('settling a publish step', () => {
    it('publishes when granted, carrying the chain one hop on', async () => {
      const h = await setup({ originEventId: 'origin', depth: 3 });
      await h.deliver('p', 1, PUBLISH_GRANTED);
      expect(h.commands('publish')).toEqual([
        { kind: 'publish', nodeId: 'p', topic: 'loop', eventId: 'run-1:p', payload: { n: 1 }, chain: { originEventId: 'origin', depth: 4 } },
      ]);
      expect(h.state.status).toBe('succeeded');
    });

    it('fails for good when refused: no retry, no publish, a dead letter with the reason, and a failed run', async () => {
      const h = await setup({ originEventId: 'origin', depth: 4 });
      const refusal = refuseByDepth(publishIntent(h.flow, h.state, message)!, limits)!;
      await h.deliver('p', 1, refusal);
      expect(h.types()).toEqual(['StepStarted:p', 'StepFailed:p', 'StepDeadLettered:p', 'RunFailed']);
      expect(h.commands().map((command) => command.kind)).toEqual(['deadLetter']);
      expect(h.step('p')).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'publish_depth', retryable: false } });
      expect(h.state.status).toBe('failed');
    });

    it('does not retry a refusal even with attempts left', async () => {
      const h = RunHarness.of(flowGraph([['t', 'trigger'], ['p', 'publish', { topic: 'x', retry: { maxAttempts: 5 } }]], [['t', 'p']]));
      await h.start();
      await h.deliver('p', 1, refuseByBudget({ runId: 'run-1', nodeId: 'p', topic: 'x', eventId: 'run-1:p', payload: null, chain: { originEventId: 'evt-1', depth: 1 } }, 1, 50, limits));
      expect(h.types()).not.toContain('RetryScheduled:p');
      expect(h.step('p')?.status).toBe('dead');
    });

    it('refuses to settle a publish step without an admission', async () => {
      const h = await setup();
      await expect(h.deliver('p')).rejects.toThrow('publish step "p" was settled without an admission');
    });
  });
});
