import type { RunState } from '@sluice/contracts';
import type { CompiledFlow, Transition } from '@sluice/engine';
import { toRunWrite } from './run-writes';

const NOW = new Date('2026-01-01T00:00:00.000Z');

function setup(commands: Transition['commands'][]) {
  const state = { id: 'run-1', flowId: 'flow-1', flowVersion: 1, lastSeq: 3 } as RunState;
  const flow = { flowId: 'flow-1' } as CompiledFlow;
  const transitions: Transition[] = commands.map((list) => ({ state, events: [], commands: list }));
  return toRunWrite(flow, transitions, NOW);
}

describe('toRunWrite', () => {
  it('turns a dispatch into a step message in the outbox', () => {
    const { write } = setup([[{ kind: 'dispatch', nodeId: 'call', attempt: 1 }]]);
    expect(write.outbox).toEqual([{ id: expect.any(String), message: { kind: 'step', runId: 'run-1', nodeId: 'call', attempt: 1 } }]);
    expect(write.timers).toEqual([]);
  });

  it('keeps a future schedule as a timer', () => {
    const { write } = setup([[{ kind: 'schedule', nodeId: 'call', attempt: 2, dueAt: '2026-01-01T00:00:05.000Z', reason: 'retry' }]]);
    expect(write.timers).toEqual([{ runId: 'run-1', nodeId: 'call', attempt: 2, dueAt: '2026-01-01T00:00:05.000Z', reason: 'retry' }]);
    expect(write.outbox).toEqual([]);
  });

  it('dispatches a schedule that is already due at once and removes its timer', () => {
    const { write } = setup([[{ kind: 'schedule', nodeId: 'call', attempt: 2, dueAt: NOW.toISOString(), reason: 'retry' }]]);
    expect(write.outbox).toHaveLength(1);
    expect(write.timers).toEqual([]);
    expect(write.cancelTimers).toEqual(['call']);
  });

  it('lets the last timer decision for a node win across transitions', () => {
    const later = '2026-01-01T00:01:00.000Z';
    const { write } = setup([
      [{ kind: 'cancelSchedule', nodeId: 'a' }, { kind: 'schedule', nodeId: 'b', attempt: 2, dueAt: later, reason: 'retry' }],
      [{ kind: 'schedule', nodeId: 'a', attempt: 3, dueAt: later, reason: 'retry' }, { kind: 'cancelSchedule', nodeId: 'b' }],
    ]);
    expect(write.timers?.map((timer) => timer.nodeId)).toEqual(['a']);
    expect(write.cancelTimers).toEqual(['b']);
  });

  it('records dead letters and their resolution, and lifts publishes out for fan-out', () => {
    const error = { code: 'http_status', message: '500', status: 500, retryable: true };
    const { write, publishes } = setup([[
      { kind: 'deadLetter', deadLetterId: 'dl-1', nodeId: 'call', attempts: 3, error },
      { kind: 'resolveDeadLetter', deadLetterId: 'dl-0' },
      { kind: 'publish', nodeId: 'pub', topic: 'orders.big', eventId: 'run-1:pub', payload: { a: 1 }, chain: { originEventId: 'ev-0', depth: 2 } },
    ]]);
    expect(write.deadLetters).toEqual([{ id: 'dl-1', runId: 'run-1', flowId: 'flow-1', nodeId: 'call', attempts: 3, error, createdAt: NOW.toISOString() }]);
    expect(write.resolveDeadLetters).toEqual(['dl-0']);
    expect(publishes).toEqual([
      { runId: 'run-1', nodeId: 'pub', topic: 'orders.big', eventId: 'run-1:pub', payload: { a: 1 }, chain: { originEventId: 'ev-0', depth: 2 } },
    ]);
  });

  it('carries the search key values of the transition that started the run, and none for a flow without keys', () => {
    const state = { id: 'run-1', flowId: 'flow-1', flowVersion: 1, lastSeq: 3 } as RunState;
    const flow = { flowId: 'flow-1' } as CompiledFlow;
    const searchKeys = [{ name: 'orderId', value: 'A-17' }];
    const started = toRunWrite(flow, [{ state, events: [], commands: [], searchKeys }, { state, events: [], commands: [] }], NOW);
    expect(started.write.searchKeys).toEqual(searchKeys);
    expect(setup([[]]).write).not.toHaveProperty('searchKeys');
  });
});
