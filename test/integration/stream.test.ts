import type { RunChangedNotice } from '@sluice/contracts';
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

describe.each(MODES)('live stream against %s', (kind) => {
  const suite = sluiceSuite(kind);

  it('delivers the step changes of a run as they happen', async () => {
    suite.target.reply({ status: 503 }, { status: 200 });
    const flow = await suite.api.createFlow('streamed', httpFlow(`${suite.target.url}/stream`, { ...fastRetry(3), initialIntervalMs: 800 }));
    const controller = new AbortController();
    const response = await fetch(`${suite.sluice.baseUrl}/api/stream?flowId=${flow.id}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);

    const { runId } = await suite.api.trigger(flow.id, {});
    const seen: string[] = [];
    let statusWhenRetryArrived: string | undefined;
    for await (const notice of readEvents(response)) {
      expect(notice.runId).toBe(runId);
      for (const event of notice.events) {
        seen.push(`${event.type}${event.nodeId ? `:${event.nodeId}` : ''}`);
        if (event.type === 'RetryScheduled') statusWhenRetryArrived = (await suite.api.run(runId)).status;
      }
      if (notice.events.some((event) => event.type === 'RunSucceeded')) break;
    }
    controller.abort();

    expect(statusWhenRetryArrived).toBe('running');
    expect(seen[0]).toBe('RunStarted');
    const order = ['StepScheduled:call', 'StepFailed:call', 'RetryScheduled:call', 'StepSucceeded:call', 'RunSucceeded'];
    const positions = order.map((entry) => seen.indexOf(entry));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
