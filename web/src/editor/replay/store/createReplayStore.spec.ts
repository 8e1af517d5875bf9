import type { ReplayDto } from '@sluice/contracts';
import { createReplayStore } from './createReplayStore';

function dto(id: string, outputsChanged: number): ReplayDto {
  return {
    id, flowId: 'flow', status: 'succeeded', error: null, subject: { draft: true }, request: { limit: 20, from: null, to: null, q: null },
    progress: { done: 20, total: 20 }, summary: { events: 20, changed: 12, failed: 0, unchanged: 8 },
    nodes: [{ nodeId: 'check', reachedBefore: 20, reachedAfter: 20, outputsChanged, nowFail: 0, nowSucceed: 0 }],
    edges: [{ edgeId: 'e1', source: 'check', target: 'call', sourceHandle: 'yes', takenBefore: 15, takenAfter: 3 }],
    events: [], createdAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z',
  };
}

function setup() {
  const store = createReplayStore();
  store.getState().follow({ id: 'r1', status: 'running', progress: { done: 0, total: 20 } }, 4);
  return store;
}

describe('createReplayStore', () => {
  it('draws the answers about the replay it follows, and ignores answers about another', () => {
    const store = setup();
    store.getState().received(dto('other', 5));
    expect(store.getState().overlay).toBeNull();
    store.getState().received(dto('r1', 12));
    expect(store.getState().overlay?.byNode['check']).toEqual({ outputsChanged: 12, nowFail: 0, nowSucceed: 0 });
    expect(store.getState().overlay?.byEdge['e1']).toEqual({ before: 15, after: 3 });
    expect(store.getState().replay?.dto?.summary.changed).toBe(12);
  });

  it('drops the previous result when it follows a new replay, and clears the result but not the form', () => {
    const store = setup();
    store.getState().received(dto('r1', 12));
    store.getState().setForm({ limit: '50' });
    store.getState().follow({ id: 'r2', status: 'running', progress: { done: 0, total: 50 } }, 5);
    expect(store.getState().overlay).toBeNull();
    expect(store.getState().replay).toEqual({ id: 'r2', started: { id: 'r2', status: 'running', progress: { done: 0, total: 50 } }, dto: null });
    store.getState().clear();
    expect(store.getState()).toMatchObject({ replay: null, overlay: null, revision: null, form: { limit: '50' } });
  });
});
