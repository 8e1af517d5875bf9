import { connect, type Socket } from 'node:net';
import type { RunChangedNotice } from '@sluice/contracts';
import { edge, graph, node } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const MAX_CONNECTIONS = 3;
/** Each run's RunStarted notice carries this payload, so a stalled reader falls behind fast. */
const PAYLOAD_BYTES = 512 * 1024;

interface OpenStream {
  response: Response;
  close(): void;
}

async function openStream(baseUrl: string, query = ''): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/stream${query}`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  return { response, close: () => controller.abort() };
}

async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Reads an SSE response to the end, counting its bytes and the runs whose RunStarted it saw. */
function countStartedRuns(response: Response): { runs: Set<string>; bytes: () => number; done: Promise<void> } {
  const runs = new Set<string>();
  let bytes = 0;
  const done = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (ended) return;
      bytes += value.length;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, boundary).split('\n').find((line) => line.startsWith('data: '));
        buffer = buffer.slice(boundary + 2);
        if (!data) continue;
        const notice = JSON.parse(data.slice(6)) as RunChangedNotice;
        if (notice.events.some((event) => event.type === 'RunStarted')) runs.add(notice.runId);
      }
    }
  })();
  return { runs, bytes: () => bytes, done };
}

/** A raw HTTP client that sends the stream request, reads the response head, then stops reading. */
function stalledReader(port: number, path: string): Promise<{ socket: Socket; received: () => number; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolveClosed) => socket.once('close', () => resolveClosed()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes === chunk.length) {
        if (!chunk.toString('latin1').startsWith('HTTP/1.1 200')) reject(new Error(`stream refused: ${chunk.toString('latin1')}`));
        socket.pause();
        resolve({ socket, received: () => bytes, closed });
      }
    });
  });
}

describe('live stream limits', () => {
  const suite = sluiceSuite('server', { SLUICE_STREAM_MAX_CONNECTIONS: String(MAX_CONNECTIONS), SLUICE_STREAM_MAX_BUFFER: '16kb' });
  const connections = () => metric(suite.sluice.baseUrl, 'sluice_stream_connections');

  it('refuses a connection past SLUICE_STREAM_MAX_CONNECTIONS with 503 and Retry-After, and frees the slot on disconnect', async () => {
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openStream(suite.sluice.baseUrl)));
    try {
      expect(open.map((stream) => stream.response.status)).toEqual([200, 200, 200]);
      const refused = await fetch(`${suite.sluice.baseUrl}/api/stream`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(/SLUICE_STREAM_MAX_CONNECTIONS/) } });

      open.shift()!.close();
      await waitFor(async () => (await connections()) === MAX_CONNECTIONS - 1, 'the closed stream to free its slot');
      const again = await openStream(suite.sluice.baseUrl);
      open.push(again);
      expect(again.response.status).toBe(200);
    } finally {
      for (const stream of open) stream.close();
    }
    await waitFor(async () => (await connections()) === 0, 'every stream to close');
  });

  it.each(['flowId=not-a-uuid', 'runId=1', 'flowId=00000000-0000-0000-0000-00000000000g'])('refuses ?%s with 400', async (query) => {
    const response = await fetch(`${suite.sluice.baseUrl}/api/stream?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(await connections()).toBe(0);
  });

  it('drops a client that stops reading once its unsent data passes SLUICE_STREAM_MAX_BUFFER; others keep receiving', async () => {
    const flow = await suite.api.createFlow('large notices', graph([node('start', 'trigger'), node('done', 'end')], [edge('start', 'done')]));
    const path = `/api/stream?flowId=${flow.id}`;
    const healthy = await openStream(suite.sluice.baseUrl, `?flowId=${flow.id}`);
    const seen = countStartedRuns(healthy.response);
    const stalled = await stalledReader(Number(new URL(suite.sluice.baseUrl).port), path);
    try {
      await waitFor(async () => (await connections()) === 2, 'both streams to open');

      const payload = { blob: 'x'.repeat(PAYLOAD_BYTES) };
      const started: string[] = [];
      // Enough runs to fill the kernel's socket buffers and then the server's bound; a few more after the drop.
      let afterDrop = 0;
      while (started.length < 80 && afterDrop < 3) {
        started.push((await suite.api.trigger(flow.id, payload)).runId);
        if ((await metric(suite.sluice.baseUrl, 'sluice_stream_clients_dropped_total')) >= 1) afterDrop += 1;
      }
      expect(await metric(suite.sluice.baseUrl, 'sluice_stream_clients_dropped_total')).toBe(1);
      await waitFor(async () => (await connections()) === 1, 'the stalled stream to be released');

      // The healthy client saw every run, including those after the drop.
      await waitFor(async () => seen.runs.size === started.length, `the healthy client to see ${started.length} runs`, 20_000);
      expect([...seen.runs].sort()).toEqual([...started].sort());

      // The server closed the stalled connection rather than keep what it did not read.
      stalled.socket.resume();
      await stalled.closed;
      expect(stalled.received()).toBeLessThan(seen.bytes() - 2 * PAYLOAD_BYTES);
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      process.stdout.write(`stalled reader dropped after ${started.length - afterDrop} runs: it received ${mib(stalled.received())}, the healthy reader ${mib(seen.bytes())}\n`);
    } finally {
      healthy.close();
      stalled.socket.destroy();
    }
    await seen.done;
  });
});
