import type { StreamNotice } from '@sluice/contracts';
import { noticeMessages } from './notice-messages';

const notice = (runId: string, output = ''): StreamNotice => ({
  kind: 'run.changed', runId, flowId: 'f', flowVersion: 1, status: 'running',
  events: [{ runId, seq: 1, type: 'StepSucceeded', at: '2026-12-02T00:00:00.000Z', nodeId: 'n', data: { attempt: 1, output, handle: null, durationMs: 1 } }],
});

describe('noticeMessages (sqs notices)', () => {
  it('sends one commit\'s notices as one message while they fit', () => {
    const notices = [notice('a'), notice('b')];
    expect(noticeMessages(notices, 262_144)).toEqual([JSON.stringify(notices)]);
  });

  it('splits notices over several messages, each within the limit, keeping every notice in order', () => {
    const notices = Array.from({ length: 300 }, (_, i) => notice(`run-${i}`, 'x'.repeat(1000)));
    const messages = noticeMessages(notices, 262_144);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(262_144);
    expect(messages.flatMap((message) => JSON.parse(message) as StreamNotice[])).toEqual(notices);
  });

  it('counts bytes, not characters, so multi-byte text never passes the limit', () => {
    const notices = Array.from({ length: 50 }, (_, i) => notice(`run-${i}`, 'é'.repeat(3000)));
    const messages = noticeMessages(notices, 32_768);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(32_768);
    expect(messages.flatMap((message) => JSON.parse(message) as StreamNotice[])).toHaveLength(50);
  });

  it('sends a notice too large on its own without its events, so its status still goes out', () => {
    const messages = noticeMessages([notice('small'), notice('huge', 'x'.repeat(300_000)), notice('after')], 262_144);
    const sent = messages.flatMap((message) => JSON.parse(message) as StreamNotice[]);
    expect(sent.map((n) => [n.runId, n.events.length])).toEqual([['small', 1], ['huge', 0], ['after', 1]]);
  });
});
