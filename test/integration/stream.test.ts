import type { HistoryEvent, RunChangedNotice } from '@sluice/contracts';
import { fastRetry, httpFlow } from '../support/graphs';
import { MODES, sluiceSuite } from '../support/sluice-harness';

/** Reads SSE `data:` lines as they arrive. */
async function* readEvents(response: Response): AsyncGenerator<RunChangedNotice> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = frame.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data) yield JSON.parse(data) as RunChangedNotice;
    }
  }
}

/** Whether `events` hold the run's end and every event before it, by `seq` (1, 2, … up to the end's). */
function hasWholeHistory(events: readonly HistoryEvent[]): boolean {
  const end = events.find((event) => event.type === 'RunSucceeded');
  if (end === undefined) return false;
  const seqs = new Set(events.map((event) => event.seq));
  return Array.from({ length: end.seq }, (_, index) => index + 1).every((seq) => seqs.has(seq));
}

describe.each(MODES)('live stream against %s', (kind) => {
  const suite = sluiceSuite(kind);
  /**
   * Whether notices arrive in the order their commits made them: the in-process
   * broker and RabbitMQ's fan-out queue keep one publisher's order, SQS standard
   * queues keep none (docs/brokers.md#ordering). On SQS the stream promises
   * every notice, each event with its `seq`, by which a client orders them.
   */
  const inCommitOrder = kind !== 'sqs';

  it('delivers the step changes of a run as they happen', async () => {
    suite.target.reply({ status: 503 }, { status: 200 });
    const flow = await suite.api.createFlow('streamed', httpFlow(`${suite.target.url}/stream`, { ...fastRetry(3), initialIntervalMs: 800 }));
    const controller = new AbortController();
    const response = await fetch(`${suite.sluice.baseUrl}/api/stream?flowId=${flow.id}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);

    const { runId } = await suite.api.trigger(flow.id, {});
    const received: HistoryEvent[] = [];
    let statusWhenRetryArrived: string | undefined;
    for await (const notice of readEvents(response)) {
      expect(notice.runId).toBe(runId);
      for (const event of notice.events) {
        received.push(event);
        if (event.type === 'RetryScheduled') statusWhenRetryArrived = (await suite.api.run(runId)).status;
      }
      if (inCommitOrder ? notice.events.some((event) => event.type === 'RunSucceeded') : hasWholeHistory(received)) break;
    }
    controller.abort();
    const seen = (inCommitOrder ? received : [...received].sort((a, b) => a.seq - b.seq))
      .map((event) => `${event.type}${event.nodeId ? `:${event.nodeId}` : ''}`);

    expect(statusWhenRetryArrived).toBe('running');
    expect(seen[0]).toBe('RunStarted');
    const order = ['StepScheduled:call', 'StepFailed:call', 'RetryScheduled:call', 'StepSucceeded:call', 'RunSucceeded'];
    const positions = order.map((entry) => seen.indexOf(entry));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
