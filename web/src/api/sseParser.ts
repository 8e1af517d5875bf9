/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** The `event:` field, `message` when the event named none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen on the stream so far (empty when none). */
  lastEventId: string;
}

/**
 * Incremental parser of the `text/event-stream` format (WHATWG HTML,
 * "Server-sent events", parsing an event stream), for reading SSE over
 * `fetch`, which, unlike `EventSource`, can send an `Authorization` header.
 *
 * Feed it decoded text in chunks of any size: `push` returns the events the
 * chunk completes. Lines end with LF, CR or CRLF (a CRLF may be split across
 * chunks); lines starting with `:` are comments (the server's heartbeats);
 * a blank line dispatches the event; an event without `data:` lines is
 * dropped, as is an unfinished event when the stream ends.
 */
export class SseParser {
  /** The reconnection delay the server asked for with `retry:`, in ms. */
  retryMs: number | undefined;
  /** The last `id:` value, kept across events as the format says. */
  lastEventId = '';

  private pending = '';
  private eventType = '';
  private dataLines: string[] = [];
  private atStart = true;
  /** The previous chunk ended with CR, so a leading LF of the next one belongs to the same line end. */
  private skipLeadingLf = false;

  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLf && text.length > 0) {
      this.skipLeadingLf = false;
      if (text[0] === '\n') text = text.slice(1);
    }
    const out: SseMessage[] = [];
    let buffer = this.pending + text;
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const char = buffer[index];
      if (char !== '\n' && char !== '\r') continue;
      this.line(buffer.slice(start, index), out);
      if (char === '\r') {
        if (index + 1 < buffer.length) {
          if (buffer[index + 1] === '\n') index++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = index + 1;
    }
    buffer = buffer.slice(start);
    this.pending = buffer;
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(out: SseMessage[]): void {
    if (this.dataLines.length > 0) {
      out.push({ event: this.eventType === '' ? 'message' : this.eventType, data: this.dataLines.join('\n'), lastEventId: this.lastEventId });
    }
    this.eventType = '';
    this.dataLines = [];
  }
}
