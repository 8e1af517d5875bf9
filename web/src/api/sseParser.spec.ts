import { SseParser, type SseMessage } from './sseParser';

function setup() {
  const parser = new SseParser();
  const seen: SseMessage[] = [];
  const push = (...chunks: string[]): SseMessage[] => {
    const out = chunks.flatMap((chunk) => parser.push(chunk));
    seen.push(...out);
    return out;
  };
  return { parser, push, seen };
}

const notice = '{"kind":"run.changed","runId":"r1"}';

describe('SSE parser', () => {
  it('reads the stream the API writes: a comment, then named events with JSON data', () => {
    const { push } = setup();
    expect(push(': connected\n\n')).toEqual([]);
    expect(push(`event: run.changed\ndata: ${notice}\n\n`)).toEqual([{ event: 'run.changed', data: notice, lastEventId: '' }]);
    expect(push(': heartbeat\n\n')).toEqual([]);
  });

  it('assembles events split anywhere across chunks, one character at a time', () => {
    const { push, seen } = setup();
    const text = `event: run.changed\ndata: ${notice}\n\nevent: run.changed\ndata: {"n":2}\n\n`;
    for (const char of text) push(char);
    expect(seen.map((message) => message.data)).toEqual([notice, '{"n":2}']);
  });

  it('dispatches only on a blank line, and drops an unfinished event', () => {
    const { push } = setup();
    expect(push('event: run.changed\ndata: {"a":1}\n')).toEqual([]);
    expect(push('\n')).toHaveLength(1);
    expect(push('data: never finished')).toEqual([]);
  });

  it('joins several data lines with newlines and defaults the event name to "message"', () => {
    const { push } = setup();
    expect(push('data: first\ndata:second\ndata\n\n')).toEqual([{ event: 'message', data: 'first\nsecond\n', lastEventId: '' }]);
  });

  it('accepts CRLF and CR line ends, including a CRLF split between chunks', () => {
    const { push, seen } = setup();
    push('event: a\r\ndata: 1\r\n\r\n');
    push('event: b\rdata: 2\r\r');
    push('event: c\r', '\ndata: 3\r', '\n\r', '\n');
    expect(seen.map((message) => [message.event, message.data])).toEqual([['a', '1'], ['b', '2'], ['c', '3']]);
  });

  it('strips one space after the colon only, and a byte order mark at the start', () => {
    const { push } = setup();
    expect(push('\uFEFFdata:  two spaces\n\n')).toEqual([{ event: 'message', data: ' two spaces', lastEventId: '' }]);
  });

  it('skips comments and unknown fields, and ignores an event with no data', () => {
    const { push } = setup();
    expect(push(':comment\nfoo: bar\nevent: empty\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x', lastEventId: '' }]);
  });

  it('keeps the last id across events, and takes retry only when it is all digits', () => {
    const { parser, push } = setup();
    push('retry: 2500\nid: 7\ndata: a\n\n');
    expect(parser.retryMs).toBe(2500);
    push('retry: soon\ndata: b\n\n');
    expect(parser.retryMs).toBe(2500);
    expect(push('data: c\n\n')).toEqual([{ event: 'message', data: 'c', lastEventId: '7' }]);
  });
});
