import type { ReplayEventSummary } from '@sluice/contracts';
import { changedFirst, eventChanges } from './replayEvents';

function event(runId: string, changes: Partial<ReplayEventSummary> = {}): ReplayEventSummary {
  return {
    runId, eventId: `e-${runId}`, flowVersion: 1, startedAt: '2026-01-01T00:00:00.000Z', changed: false, pathChanged: false,
    outputsChanged: [], statusBefore: 'succeeded', statusAfter: 'succeeded', failedNodes: [], ...changes,
  };
}

describe('changedFirst', () => {
  it('lists changed events first, each group in the order given', () => {
    const events = [event('1'), event('2', { changed: true }), event('3'), event('4', { changed: true }), event('5')];
    expect(changedFirst(events).map((item) => item.runId)).toEqual(['2', '4', '1', '3', '5']);
  });

  it('leaves the list it was given as it was', () => {
    const events = [event('1'), event('2', { changed: true })];
    changedFirst(events);
    expect(events.map((item) => item.runId)).toEqual(['1', '2']);
  });
});

describe('eventChanges', () => {
  it('names the end status, the path, the outputs and the failing nodes that differ', () => {
    expect(eventChanges(event('1', { statusAfter: 'failed', pathChanged: true, outputsChanged: ['check'], failedNodes: ['call'] }))).toEqual([
      'ends failed instead of succeeded', 'takes another path', 'output differs at check', 'fails at call',
    ]);
  });

  it('says nothing for an unchanged event, and shortens long lists of nodes', () => {
    expect(eventChanges(event('1'))).toEqual([]);
    expect(eventChanges(event('1', { outputsChanged: ['a', 'b', 'c', 'd', 'e'] }))).toEqual(['output differs at a, b, c and 2 more']);
  });
});
