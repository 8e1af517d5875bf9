import type { HistoryEvent, RunState } from '@sluice/contracts';
import { flowGraph } from '../testing/graph-builder';
import { httpResponse, RunHarness } from '../testing/run-harness';
import { applyEvent, foldHistory, HistoryFoldError } from './fold';
import { redriveStep } from './redrive-step';

/** Freezes a value deeply so any mutation by the fold throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

describe('foldHistory', () => {
  /** A run that retries, fails, is redriven, waits on a delay and succeeds: touches every event type but RunIgnored. */
  const setup = async () => {
    const h = RunHarness.of(flowGraph(
      [
        ['t', 'trigger'],
        ['f', 'filter', { condition: 'true' }],
        ['h', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 2 } }],
        ['d', 'delay', { ms: 100 }],
        ['i', 'ignore'],
      ],
      [['t', 'f'], ['f', 'h', 'yes'], ['f', 'i', 'no'], ['h', 'd']],
    ));
    await h.start({ n: 1 });
    await h.deliver('h', 1, httpResponse(500));
    const accelerated = redriveStep(h.flow, h.state, 'h', 'retry', h.clock);
    if ('error' in accelerated) throw new Error(accelerated.message);
    h.record(accelerated);
    await h.deliver('h', 2, httpResponse(500));
    const redriven = redriveStep(h.flow, h.state, 'h', 'redrive', h.clock);
    if ('error' in redriven) throw new Error(redriven.message);
    h.record(redriven);
    await h.deliver('h', 1, httpResponse(200));
    await h.deliver('d');
    h.clock.advance(100);
    await h.deliver('d');
    return h;
  };

  it('reproduces every transition state from the log', async () => {
    const h = await setup();
    expect(h.state.status).toBe('succeeded');
    expect(foldHistory(h.events)).toEqual(h.state);
    for (const transition of h.transitions) {
      if (transition.events.length === 0) continue;
      expect(foldHistory(h.events, transition.state.lastSeq)).toEqual(transition.state);
    }
  });

  it('returns the state right after each seq with asOf', async () => {
    const h = await setup();
    let incremental: RunState | undefined;
    for (const event of h.events) {
      incremental = applyEvent(incremental, event);
      expect(foldHistory(h.events, event.seq)).toEqual(incremental);
      expect(incremental.lastSeq).toBe(event.seq);
      expect(incremental.updatedAt).toBe(event.at);
    }
    expect(foldHistory(h.events, 0)).toBeUndefined();
    expect(foldHistory([])).toBeUndefined();
  });

  it('shows the history of a step over time', async () => {
    const h = await setup();
    const statusAt = (seq: number) => foldHistory(h.events, seq)?.steps.find((step) => step.nodeId === 'h')?.status;
    const seqOf = (type: string, nth = 0) => h.events.filter((event) => event.type === type && event.nodeId === 'h')[nth]?.seq ?? -1;
    expect(statusAt(seqOf('StepScheduled'))).toBe('scheduled');
    expect(statusAt(seqOf('RetryScheduled'))).toBe('retrying');
    expect(statusAt(seqOf('StepDeadLettered'))).toBe('dead');
    expect(foldHistory(h.events, seqOf('StepDeadLettered') + 1)?.status).toBe('failed');
    expect(statusAt(seqOf('StepRedriven'))).toBe('scheduled');
    expect(foldHistory(h.events, seqOf('StepRedriven'))?.status).toBe('running');
    expect(statusAt(seqOf('StepSucceeded'))).toBe('succeeded');
  });

  it('never mutates the state it is given', async () => {
    const h = await setup();
    let state: RunState | undefined;
    for (const event of h.events) state = applyEvent(state === undefined ? undefined : deepFreeze(state), deepFreeze(event));
    expect(state).toEqual(h.state);
  });

  it('maps step events to statuses', async () => {
    const h = await setup();
    expect(h.statuses()).toEqual({ t: 'succeeded', f: 'succeeded', i: 'skipped', h: 'succeeded', d: 'succeeded' });
    expect(h.step('h')).toMatchObject({ attempts: 1, maxAttempts: 2, from: 'f' });
  });
});

describe('applyEvent errors', () => {
  const started: HistoryEvent = {
    type: 'RunStarted', runId: 'r', seq: 1, at: '2025-01-01T00:00:00.000Z',
    data: { flowId: 'f', flowVersion: 1, eventId: 'e', payload: null, source: 'rest' },
  };
  const setup = () => applyEvent(undefined, started);

  it('rejects events before RunStarted and a second RunStarted', () => {
    expect(() => applyEvent(undefined, { type: 'RunSucceeded', runId: 'r', seq: 1, at: started.at, data: {} })).toThrow(HistoryFoldError);
    expect(() => applyEvent(setup(), { ...started, seq: 2 })).toThrow(/already started/);
  });

  it('rejects step events without a node or for an unknown step', () => {
    expect(() => applyEvent(setup(), { type: 'StepStarted', runId: 'r', seq: 2, at: started.at, data: { attempt: 1 } })).toThrow(/no nodeId/);
    expect(() => applyEvent(setup(), { type: 'StepStarted', runId: 'r', seq: 2, nodeId: 'x', at: started.at, data: { attempt: 1 } })).toThrow(/unknown step/);
  });

  it('maps run events to run statuses', () => {
    const at = '2025-01-01T00:00:09.000Z';
    expect(applyEvent(setup(), { type: 'RunIgnored', runId: 'r', seq: 2, at, data: {} })).toMatchObject({ status: 'ignored', finishedAt: at });
    expect(applyEvent(setup(), { type: 'RunFailed', runId: 'r', seq: 2, at, data: {} })).toMatchObject({ status: 'failed', finishedAt: at });
    expect(applyEvent(setup(), { type: 'RunSucceeded', runId: 'r', seq: 2, at, data: {} })).toMatchObject({ status: 'succeeded', finishedAt: at });
  });
});
