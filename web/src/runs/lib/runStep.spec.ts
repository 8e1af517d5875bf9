import type { RunState, StepState } from '@sluice/contracts';
import { canRetryNow, defaultStepId, runDurationMs, stepInput } from './runStep';

function setup(steps: Partial<StepState>[], payload: unknown = { orderId: 'A-1' }): Pick<RunState, 'payload' | 'steps'> {
  return { payload, steps: steps.map((step) => ({ nodeId: 'x', status: 'succeeded', attempts: 1, ...step })) };
}

describe('stepInput', () => {
  it('is the payload for the entry step', () => {
    const run = setup([{ nodeId: 'start' }]);
    expect(stepInput(run, 'start')).toEqual({ kind: 'payload', value: { orderId: 'A-1' } });
  });

  it('is the output of the step named by from', () => {
    const run = setup([{ nodeId: 'start', output: { a: 1 } }, { nodeId: 'call', from: 'start', status: 'running' }]);
    expect(stepInput(run, 'call')).toEqual({ kind: 'step', from: 'start', value: { a: 1 } });
  });

  it('is pending while the source step has no output yet', () => {
    const run = setup([{ nodeId: 'call', from: 'gone' }]);
    expect(stepInput(run, 'call')).toEqual({ kind: 'pending', from: 'gone' });
  });

  it('is none for a node without a step', () => {
    expect(stepInput(setup([]), 'call')).toEqual({ kind: 'none' });
  });
});

describe('defaultStepId', () => {
  it('prefers a dead step over a retrying one over the last step', () => {
    expect(defaultStepId(setup([{ nodeId: 'a' }, { nodeId: 'b', status: 'retrying' }, { nodeId: 'c', status: 'dead' }]).steps)).toBe('c');
    expect(defaultStepId(setup([{ nodeId: 'a' }, { nodeId: 'b', status: 'retrying' }, { nodeId: 'c' }]).steps)).toBe('b');
  });

  it('then prefers the last step that needed more than one attempt', () => {
    expect(defaultStepId(setup([{ nodeId: 'a' }, { nodeId: 'b', attempts: 2 }, { nodeId: 'c' }]).steps)).toBe('b');
  });

  it('falls back to the last step that was not skipped', () => {
    expect(defaultStepId(setup([{ nodeId: 'a' }, { nodeId: 'b' }, { nodeId: 'c', status: 'skipped' }]).steps)).toBe('b');
    expect(defaultStepId([])).toBeUndefined();
  });
});

describe('canRetryNow', () => {
  it('applies to dead and retrying steps only', () => {
    expect(canRetryNow({ status: 'dead' })).toBe(true);
    expect(canRetryNow({ status: 'retrying' })).toBe(true);
    expect(canRetryNow({ status: 'succeeded' })).toBe(false);
    expect(canRetryNow(undefined)).toBe(false);
  });
});

describe('runDurationMs', () => {
  it('measures to the end, or to now while running', () => {
    expect(runDurationMs({ startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:01.500Z' }, 0)).toBe(1500);
    expect(runDurationMs({ startedAt: '2025-01-01T00:00:00.000Z' }, Date.parse('2025-01-01T00:00:02.000Z'))).toBe(2000);
  });
});
