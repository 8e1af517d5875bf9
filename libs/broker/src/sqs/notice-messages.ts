import type { StreamNotice } from '@sluice/contracts';

/**
 * Packs one commit's notices into as few SNS messages as fit `maxBytes`
 * each (JSON arrays, UTF-8). A commit of many runs easily passes SNS's
 * 256 KiB. A notice too large on its own (history events carrying large
 * outputs) goes without its events: listeners still learn the run's new
 * status, and the history is read over the REST API, as after any notice
 * missed.
 */
export function noticeMessages(notices: readonly StreamNotice[], maxBytes: number): string[] {
  const messages: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // the brackets
  const flush = (): void => {
    if (parts.length > 0) messages.push(`[${parts.join(',')}]`);
    parts = [];
    bytes = 2;
  };
  for (const notice of notices) {
    let encoded = JSON.stringify(notice);
    let size = Buffer.byteLength(encoded);
    if (size + 2 > maxBytes) {
      encoded = JSON.stringify({ ...notice, events: [] });
      size = Buffer.byteLength(encoded);
      if (size + 2 > maxBytes) continue;
    }
    const separator = parts.length > 0 ? 1 : 0;
    if (bytes + separator + size > maxBytes) flush();
    parts.push(encoded);
    bytes += (parts.length > 1 ? 1 : 0) + size;
  }
  flush();
  return messages;
}
