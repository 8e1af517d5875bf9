import { openEventStream, type EventStreamOptions } from './eventStream';
import type { SseMessage } from './sseParser';

/** A streaming 200 `text/event-stream` answer the test writes to, which errors when its request is aborted. */
function sseAnswer(init: RequestInit, contentType = 'text/event-stream') {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  init.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': contentType } }),
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

type Answer = (init: RequestInit) => Response | Promise<Response>;

/** A stream over a fake fetch that answers each connection with the next of `answers` (then hangs until aborted). */
function setup(answers: Answer[], options: Partial<EventStreamOptions> = {}) {
  const requests: { url: string; init: RequestInit }[] = [];
  const messages: SseMessage[] = [];
  const refused: number[] = [];
  let opens = 0;
  let key = 'first-key-0123456789';
  const fetchImpl = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const answer = answers.shift();
    if (answer) return answer(init);
    return new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  }) as unknown as typeof fetch;
  const close = openEventStream({
    url: '/api/stream?flowId=f1',
    headers: () => ({ authorization: `Bearer ${key}` }),
    onMessage: (message) => messages.push(message),
    onOpen: () => void opens++,
    onRefused: (status) => void refused.push(status),
    initialDelayMs: 10,
    maxDelayMs: 80,
    fetch: fetchImpl,
    ...options,
  });
  return { requests, messages, refused, opens: () => opens, close, setKey: (next: string) => void (key = next) };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event stream over fetch', () => {
  it('sends the bearer header and asks for an event stream, with nothing secret in the URL', async () => {
    const { requests, close } = setup([]);
    await until(() => requests.length === 1);
    const { url, init } = requests[0]!;
    expect(url).toBe('/api/stream?flowId=f1');
    expect(init.headers).toEqual({ accept: 'text/event-stream', authorization: 'Bearer first-key-0123456789' });
    close();
  });

  it('delivers messages as they arrive and calls onOpen once the server answers', async () => {
    let answer!: ReturnType<typeof sseAnswer>;
    const { messages, opens, close } = setup([(init) => (answer = sseAnswer(init)).response]);
    await until(() => opens() === 1);
    answer.send(': connected\n\nevent: run.changed\ndata: {"runId":"r1"}\n\n');
    await until(() => messages.length === 1);
    answer.send('event: run.changed\ndata: {"runId":');
    answer.send('"r2"}\n\n');
    await until(() => messages.length === 2);
    expect(messages.map((message) => [message.event, JSON.parse(message.data).runId])).toEqual([['run.changed', 'r1'], ['run.changed', 'r2']]);
    close();
  });

  it('reconnects after the server ends the stream, with the key of that moment, and opens again', async () => {
    let first!: ReturnType<typeof sseAnswer>;
    const { requests, opens, setKey, close } = setup([(init) => (first = sseAnswer(init)).response, (init) => sseAnswer(init).response]);
    await until(() => opens() === 1);
    setKey('second-key-0123456789');
    first.end();
    await until(() => opens() === 2);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.init.headers).toMatchObject({ authorization: 'Bearer second-key-0123456789' });
    close();
  });

  it('backs off after failures in a row: network errors, 503 and a body that is not an event stream', async () => {
    const started = Date.now();
    const { requests, opens, close } = setup([
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => new Response('busy', { status: 503 }),
      (init) => sseAnswer(init, 'text/html').response,
      (init) => sseAnswer(init).response,
    ]);
    await until(() => opens() === 1);
    expect(requests).toHaveLength(4);
    // Delays of about 10, 20 and 40 ms (each between half and all of it): at least 35 ms in all.
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    close();
  });

  it('stops for good on 401 and reports it, without reconnecting', async () => {
    const { requests, refused } = setup([() => new Response('{"error":{"code":"unauthorized","message":"no"}}', { status: 401 })]);
    await until(() => refused.length === 1);
    await pause(60);
    expect(refused).toEqual([401]);
    expect(requests).toHaveLength(1);
  });

  it('close aborts the open connection and any reconnection', async () => {
    const { requests, opens, close } = setup([(init) => sseAnswer(init).response]);
    await until(() => opens() === 1);
    close();
    expect(requests[0]!.init.signal?.aborted).toBe(true);
    await pause(60);
    expect(requests).toHaveLength(1);
  });

  it('reconnects when the connection goes silent for longer than the idle timeout', async () => {
    let first!: ReturnType<typeof sseAnswer>;
    const { requests, opens, close } = setup([(init) => (first = sseAnswer(init)).response, (init) => sseAnswer(init).response], { idleTimeoutMs: 300 });
    await until(() => opens() === 1);
    // A heartbeat keeps it alive past the timeout ...
    await pause(150);
    first.send(': heartbeat\n\n');
    await pause(200);
    expect(requests).toHaveLength(1);
    // ... silence does not.
    await until(() => opens() === 2);
    expect(requests[0]!.init.signal?.aborted).toBe(true);
    close();
  });

  it('takes the server\'s retry: delay as the base of its backoff', async () => {
    let first!: ReturnType<typeof sseAnswer>;
    const { opens, close } = setup([(init) => (first = sseAnswer(init)).response, (init) => sseAnswer(init).response], { maxDelayMs: 1000 });
    await until(() => opens() === 1);
    first.send('retry: 300\n\n');
    const ended = Date.now();
    first.end();
    await until(() => opens() === 2);
    expect(Date.now() - ended).toBeGreaterThanOrEqual(140);
    close();
  });

  it('waits at least the Retry-After of a 503 (a server at its stream limit) before trying again', async () => {
    const started = Date.now();
    const { opens, close } = setup([() => new Response('full', { status: 503, headers: { 'retry-after': '1' } }), (init) => sseAnswer(init).response], { maxDelayMs: 5000 });
    await until(() => opens() === 1, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    close();
  });
});
