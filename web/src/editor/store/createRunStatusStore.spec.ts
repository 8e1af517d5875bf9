import type { HistoryEvent, RunChangedNotice } from '@sluice/contracts';
import { createRunStatusStore } from './createRunStatusStore';

const RUN = 'run-1';
const at = '2026-01-01T00:00:00.000Z';

function events(runId = RUN): HistoryEvent[] {
  return [
    { runId, seq: 1, type: 'RunStarted', at, data: { flowId: 'f', flowVersion: 1, eventId: 'e', payload: {}, source: 'rest' } },
    { runId, seq: 2, type: 'StepScheduled', nodeId: 'trigger', at, data: { attempt: 1 } },
    { runId, seq: 3, type: 'StepStarted', nodeId: 'trigger', at, data: { attempt: 1 } },
    { runId, seq: 4, type: 'StepSucceeded', nodeId: 'trigger', at, data: { attempt: 1, output: {}, handle: null, durationMs: 1 } },
    { runId, seq: 5, type: 'StepScheduled', nodeId: 'http', at, data: { attempt: 1, from: 'trigger', maxAttempts: 3 } },
    { runId, seq: 6, type: 'StepStarted', nodeId: 'http', at, data: { attempt: 1 } },
    { runId, seq: 7, type: 'StepFailed', nodeId: 'http', at, data: { attempt: 1, error: { code: 'http_status', message: 'HTTP 503', retryable: true }, durationMs: 4, final: false, caught: false } },
    { runId, seq: 8, type: 'RetryScheduled', nodeId: 'http', at, data: { attempt: 2, maxAttempts: 3, delayMs: 1000, dueAt: '2026-01-01T00:00:01.000Z' } },
  ];
}

function notice(list: HistoryEvent[], runId = RUN): RunChangedNotice {
  return { kind: 'run.changed', runId, flowId: 'f', flowVersion: 1, status: 'running', events: list };
}

function setup(followLatest = true) {
  const store = createRunStatusStore({ followLatest });
  store.getState().setNodes([{ id: 'trigger', type: 'trigger' }, { id: 'http', type: 'http' }]);
  return { store, state: () => store.getState() };
}

describe('run status store', () => {
  it('folds notices into per-node status as they arrive', () => {
    const { state } = setup();
    const all = events();
    expect(state().ingest(notice(all.slice(0, 4)))).toBe('applied');
    expect(state().byNode['trigger']?.status).toBe('succeeded');
    expect(state().ingest(notice(all.slice(4)))).toBe('applied');
    expect(state().byNode['http']).toMatchObject({ status: 'retrying', pendingAttempt: 2, maxAttempts: 3 });
  });

  it('keeps the entry object of nodes whose step did not change', () => {
    const { state } = setup();
    const all = events();
    state().ingest(notice(all.slice(0, 5)));
    const trigger = state().byNode['trigger'];
    state().ingest(notice(all.slice(5)));
    expect(state().byNode['trigger']).toBe(trigger);
  });

  it('ignores events it already has and asks for a refetch on a gap', () => {
    const { state } = setup();
    const all = events();
    state().ingest(notice(all.slice(0, 4)));
    expect(state().ingest(notice(all.slice(2, 4)))).toBe('ignored');
    expect(state().ingest(notice(all.slice(5)))).toBe('refetch');
    expect(state().run?.lastSeq).toBe(4);
  });

  it('asks for a refetch of a run it meets mid-way', () => {
    const { state } = setup();
    expect(state().ingest(notice(events('run-2').slice(3), 'run-2'))).toBe('refetch');
  });

  it('follows a newer run of the flow when following, stays pinned otherwise', () => {
    const following = setup(true);
    following.state().ingest(notice(events().slice(0, 4)));
    following.state().ingest(notice(events('run-2').slice(0, 2), 'run-2'));
    expect(following.state().run?.id).toBe('run-2');

    const pinned = setup(false);
    pinned.state().ingest(notice(events().slice(0, 4)));
    expect(pinned.state().ingest(notice(events('run-2').slice(0, 2), 'run-2'))).toBe('ignored');
    expect(pinned.state().run?.id).toBe(RUN);
  });

  it('accepts a fetched run unless it is older than the one shown', () => {
    const { state } = setup();
    state().ingest(notice(events()));
    const shown = state().run;
    if (!shown) throw new Error('no run');
    state().offerRun({ ...shown, lastSeq: 3, steps: [] });
    expect(state().run?.lastSeq).toBe(8);
    state().offerRun({ ...shown, lastSeq: 9, steps: [{ nodeId: 'http', status: 'succeeded', attempts: 2, handle: null }] });
    expect(state().byNode['http']?.status).toBe('succeeded');
  });

  it('remembers the time a past state describes, so countdowns can freeze, and clears it for live steps', () => {
    const { store, state } = setup(false);
    store.getState().ingest(notice(events()));
    const steps = state().run?.steps ?? [];
    state().showSteps(steps, '2026-01-01T00:00:00.500Z');
    expect(state().frozenAt).toBe('2026-01-01T00:00:00.500Z');
    expect(state().byNode['http']).toMatchObject({ status: 'retrying', dueAt: '2026-01-01T00:00:01.000Z' });
    state().showSteps(steps);
    expect(state().frozenAt).toBeNull();
  });
});
