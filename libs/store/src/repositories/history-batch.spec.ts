import type { HistoryEvent } from '@sluice/contracts';
import { batchEventsJson, batchHistoryEvents, type BatchEvent } from './history-batch';

const RUN = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

function setup(): { events: HistoryEvent[]; stored: () => BatchEvent[] } {
  const events: HistoryEvent[] = [
    { runId: RUN, seq: 4, type: 'RunSucceeded', at: '2026-01-01T00:00:04.000Z', data: {} },
    { runId: RUN, seq: 5, type: 'StepStarted', nodeId: 'call', at: '2026-01-01T00:00:05.123Z', data: { attempt: 2 } },
    { runId: RUN, seq: 6, type: 'StepSucceeded', nodeId: 'call', at: '2026-01-01T00:00:06.000Z', data: { attempt: 2, output: { a: [1, null] }, handle: null, durationMs: 7 } },
  ];
  return { events, stored: () => JSON.parse(batchEventsJson(events)) as BatchEvent[] };
}

describe('history batch events', () => {
  it('store each event once, in seq order, without its runId', () => {
    const { stored } = setup();
    expect(stored()).toEqual([
      { seq: 4, type: 'RunSucceeded', at: '2026-01-01T00:00:04.000Z', data: {} },
      { seq: 5, type: 'StepStarted', nodeId: 'call', at: '2026-01-01T00:00:05.123Z', data: { attempt: 2 } },
      { seq: 6, type: 'StepSucceeded', nodeId: 'call', at: '2026-01-01T00:00:06.000Z', data: { attempt: 2, output: { a: [1, null] }, handle: null, durationMs: 7 } },
    ]);
    expect(stored().some((event) => 'runId' in event)).toBe(false);
  });

  it('read back as the events written, with their fields in the API\'s order', () => {
    const { events, stored } = setup();
    const read = batchHistoryEvents(RUN, stored(), 0);
    expect(read).toEqual(events);
    expect(read.map((event) => Object.keys(event))).toEqual([
      ['runId', 'seq', 'type', 'at', 'data'],
      ['runId', 'seq', 'type', 'at', 'data', 'nodeId'],
      ['runId', 'seq', 'type', 'at', 'data', 'nodeId'],
    ]);
  });

  it('read back only the events after afterSeq, also from the middle of a batch', () => {
    const { events, stored } = setup();
    expect(batchHistoryEvents(RUN, stored(), 4)).toEqual(events.slice(1));
    expect(batchHistoryEvents(RUN, stored(), 5)).toEqual(events.slice(2));
    expect(batchHistoryEvents(RUN, stored(), 6)).toEqual([]);
  });

  it('write at as an ISO timestamp in UTC with milliseconds, as the timestamptz column read back', () => {
    const event: HistoryEvent = { runId: RUN, seq: 1, type: 'StepStarted', nodeId: 'n', at: '2026-01-01T02:00:00+02:00', data: { attempt: 1 } };
    expect((JSON.parse(batchEventsJson([event])) as BatchEvent[])[0]?.at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuse an at that is no timestamp with a RangeError (the store\'s unstorable value)', () => {
    const event: HistoryEvent = { runId: RUN, seq: 1, type: 'StepStarted', nodeId: 'n', at: 'yesterday-ish', data: { attempt: 1 } };
    expect(() => batchEventsJson([event])).toThrow(RangeError);
  });
});
