import type { HistoryEvent } from '@sluice/contracts';
import { compactJson, eventLabel, eventTone, summarizeEvent } from './eventSummary';

function setup(event: Omit<HistoryEvent, 'runId' | 'seq' | 'at'>): HistoryEvent {
  return { runId: 'r', seq: 1, at: '2025-01-01T00:00:00.000Z', ...event } as HistoryEvent;
}

describe('summarizeEvent', () => {
  it('names the source and payload of a run start', () => {
    const event = setup({ type: 'RunStarted', data: { flowId: 'f', flowVersion: 1, eventId: 'e', payload: { id: 7 }, source: 'rest' } });
    expect(summarizeEvent(event)).toBe('rest · {"id":7}');
  });

  it('gives attempt n of m and where the input came from', () => {
    expect(summarizeEvent(setup({ type: 'StepScheduled', nodeId: 'h', data: { attempt: 1, maxAttempts: 3, from: 'f' } }))).toBe('attempt 1 of 3 · input from f');
  });

  it('gives the error and its fate for a failure', () => {
    const event = setup({
      type: 'StepFailed',
      nodeId: 'h',
      data: { attempt: 2, durationMs: 12, final: true, caught: false, error: { code: 'http_status', status: 503, message: 'Service Unavailable', retryable: true } },
    });
    expect(summarizeEvent(event)).toBe('attempt 2 · http_status 503: Service Unavailable · final');
  });

  it('gives the exit handle and output of a success', () => {
    const event = setup({ type: 'StepSucceeded', nodeId: 'f', data: { attempt: 1, durationMs: 3, handle: 'yes', output: true } });
    expect(summarizeEvent(event)).toBe('attempt 1 · 3 ms → yes · true');
  });

  it('gives the retry delay', () => {
    const event = setup({ type: 'RetryScheduled', nodeId: 'h', data: { attempt: 2, maxAttempts: 5, delayMs: 1500, dueAt: '2025-01-01T00:00:01.500Z' } });
    expect(summarizeEvent(event)).toBe('attempt 2 of 5 in 1.5 s');
  });
});

describe('compactJson', () => {
  it('cuts long values with an ellipsis', () => {
    expect(compactJson({ text: 'x'.repeat(50) }, 20)).toHaveLength(20);
    expect(compactJson({ text: 'x'.repeat(50) }, 20).endsWith('…')).toBe(true);
    expect(compactJson(undefined)).toBe('');
  });
});

describe('eventLabel and eventTone', () => {
  it('spell and colour event types', () => {
    expect(eventLabel('StepDeadLettered')).toBe('Step dead lettered');
    expect(eventTone('RunFailed')).toBe('fail');
    expect(eventTone('RetryScheduled')).toBe('retry');
  });
});
