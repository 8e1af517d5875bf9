import type { ReplayEventDetail } from '@sluice/contracts';
import { pathDiff, sideBySideRows } from './sideBySide';

function setup(): Pick<ReplayEventDetail, 'original' | 'replayed'> {
  return {
    original: {
      status: 'succeeded',
      path: ['start-out-check', 'check-yes-call', 'call-out-done'],
      nodes: {
        start: { status: 'succeeded', output: { amount: 250 }, handle: null },
        check: { status: 'succeeded', output: true, handle: 'yes' },
        call: { status: 'succeeded', output: { status: 200, body: { ok: true } }, handle: null },
        done: { status: 'succeeded', handle: null },
      },
    },
    replayed: {
      status: 'succeeded',
      path: ['start-out-check', 'check-no-skip'],
      nodes: {
        start: { status: 'succeeded', output: { amount: 250 }, handle: null },
        check: { status: 'succeeded', output: false, handle: 'no' },
        skip: { status: 'succeeded', handle: null },
      },
      publishes: [],
      delays: [],
    },
  };
}

describe('sideBySideRows', () => {
  it('gives every node either side reached, in the order given, then the others, and marks those that differ', () => {
    const rows = sideBySideRows(setup(), ['start', 'check', 'call', 'skip', 'done']);
    expect(rows.map((row) => [row.nodeId, row.differs])).toEqual([
      ['start', false], ['check', true], ['call', true], ['skip', true], ['done', true],
    ]);
    expect(rows[2]?.replayed).toBeUndefined();
    expect(rows[3]?.original).toBeUndefined();
    expect(sideBySideRows(setup(), ['check']).map((row) => row.nodeId)).toEqual(['check', 'start', 'call', 'done', 'skip']);
  });

  it('compares outputs by content, whatever the order of their keys', () => {
    const detail = setup();
    detail.replayed.nodes['start'] = { status: 'succeeded', output: { amount: 250 }, handle: null };
    detail.original.nodes['start'] = { status: 'succeeded', output: JSON.parse('{"amount":250}') as unknown, handle: null };
    detail.original.nodes['x'] = { status: 'succeeded', output: { a: 1, b: [1, { c: 2 }] } };
    detail.replayed.nodes['x'] = { status: 'succeeded', output: { b: [1, { c: 2 }], a: 1 } };
    detail.original.nodes['y'] = { status: 'failed', error: { code: 'http_status', message: '503', retryable: true } };
    detail.replayed.nodes['y'] = { status: 'failed', error: { code: 'no_recorded_response', message: 'none', retryable: false } };
    const rows = sideBySideRows(detail, []);
    expect(rows.find((row) => row.nodeId === 'start')?.differs).toBe(false);
    expect(rows.find((row) => row.nodeId === 'x')?.differs).toBe(false);
    expect(rows.find((row) => row.nodeId === 'y')?.differs).toBe(true);
  });
});

describe('pathDiff', () => {
  it('marks the edges only one side took', () => {
    const { original, replayed } = setup();
    expect(pathDiff(original.path, replayed.path)).toEqual({
      original: [{ edgeId: 'start-out-check', only: false }, { edgeId: 'check-yes-call', only: true }, { edgeId: 'call-out-done', only: true }],
      replayed: [{ edgeId: 'start-out-check', only: false }, { edgeId: 'check-no-skip', only: true }],
    });
  });
});
