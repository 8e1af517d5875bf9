import type { StepState } from '@sluice/contracts';
import { applyRunStatus, isEdgeCarried, reuseUnchanged } from './applyRunStatus';

function setup(steps: StepState[]) {
  const nodes = [
    { id: 'trigger', type: 'trigger' },
    { id: 'filter', type: 'filter' },
    { id: 'http', type: 'http' },
    { id: 'ignore', type: 'ignore' },
    { id: 'end', type: 'end' },
  ];
  return applyRunStatus(nodes, steps);
}

const step = (nodeId: string, status: StepState['status'], extra: Partial<StepState> = {}): StepState => ({ nodeId, status, attempts: 1, ...extra });

describe('applyRunStatus', () => {
  it('gives each node with a step its status, and nodes without one nothing (idle)', () => {
    const byNode = setup([step('trigger', 'succeeded', { handle: null }), step('filter', 'running')]);
    expect(byNode['trigger']).toMatchObject({ status: 'succeeded', display: 'succeeded', exitHandle: null });
    expect(byNode['filter']).toMatchObject({ status: 'running', display: 'running' });
    expect(byNode['filter']?.exitHandle).toBeUndefined();
    expect(byNode['http']).toBeUndefined();
  });

  it('shows a succeeded ignore node as ignored but keeps its step status', () => {
    expect(setup([step('ignore', 'succeeded', { handle: null })])['ignore']).toMatchObject({ status: 'succeeded', display: 'ignored' });
  });

  it('carries retry timing and attempts for the countdown', () => {
    const dueAt = '2026-01-01T00:00:05.000Z';
    const byNode = setup([step('http', 'retrying', { attempts: 2, maxAttempts: 5, pendingAttempt: 3, dueAt, error: { code: 'http_status', message: 'HTTP 503', retryable: true } })]);
    expect(byNode['http']).toMatchObject({ status: 'retrying', attempts: 2, maxAttempts: 5, pendingAttempt: 3, dueAt, error: { message: 'HTTP 503' } });
  });

  it('marks a caught failure as leaving by the error handle', () => {
    expect(setup([step('http', 'failed', { caught: true })])['http']?.exitHandle).toBe('error');
  });

  it('drops steps of nodes that are not on the canvas', () => {
    expect(setup([step('gone', 'dead')])).toEqual({});
  });
});

describe('isEdgeCarried', () => {
  const run = setup([
    step('trigger', 'succeeded', { handle: null }),
    step('filter', 'succeeded', { handle: 'yes' }),
    step('http', 'running'),
    step('ignore', 'skipped'),
  ]);

  it('lights an edge whose source left by its handle into a step', () => {
    expect(isEdgeCarried({ sourceHandle: null }, run['trigger'], run['filter'])).toBe(true);
    expect(isEdgeCarried({ sourceHandle: 'yes' }, run['filter'], run['http'])).toBe(true);
  });

  it('leaves the branch not taken, skipped targets and unreached targets dark', () => {
    expect(isEdgeCarried({ sourceHandle: 'no' }, run['filter'], run['ignore'])).toBe(false);
    expect(isEdgeCarried({ sourceHandle: 'yes' }, run['filter'], run['ignore'])).toBe(false);
    expect(isEdgeCarried({ sourceHandle: null }, run['http'], run['end'])).toBe(false);
  });

  it('lights the error edge of a caught failure only', () => {
    const caught = setup([step('http', 'failed', { caught: true }), step('end', 'running')]);
    expect(isEdgeCarried({ sourceHandle: 'error' }, caught['http'], caught['end'])).toBe(true);
    expect(isEdgeCarried({ sourceHandle: null }, caught['http'], caught['end'])).toBe(false);
  });
});

describe('reuseUnchanged', () => {
  it('keeps the previous object for unchanged entries so per-node selectors do not re-render', () => {
    const before = setup([step('trigger', 'succeeded', { handle: null }), step('http', 'running')]);
    const after = reuseUnchanged(before, setup([step('trigger', 'succeeded', { handle: null }), step('http', 'succeeded', { handle: null })]));
    expect(after['trigger']).toBe(before['trigger']);
    expect(after['http']).not.toBe(before['http']);
    expect(after['http']?.status).toBe('succeeded');
  });
});
