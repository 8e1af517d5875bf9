import type { StreamNotice } from '@sluice/contracts';
import type { Logger } from '@sluice/runtime';
import { errorFields } from './broker-logger';

/**
 * Hands the notices of one broker message to every listener. The message is
 * one commit's notices as a JSON array, or a single notice from a process of
 * an earlier version. Anything that is not a notice is dropped before any
 * listener sees it; a listener that throws is logged and the others still run.
 */
export function dispatchNotices(body: string, listeners: Iterable<(notice: StreamNotice) => void>, logger: Logger): void {
  let notices: StreamNotice[];
  try {
    const parsed: unknown = JSON.parse(body);
    notices = (Array.isArray(parsed) ? parsed : [parsed]).filter(isNotice);
  } catch (err) {
    logger.warn(errorFields(err), 'undecodable notice dropped');
    return;
  }
  const receivers = [...listeners];
  for (const notice of notices) {
    for (const listener of receivers) {
      try {
        listener(notice);
      } catch (err) {
        logger.warn({ runId: notice.runId, ...errorFields(err) }, 'notice listener failed');
      }
    }
  }
}

/** Enough of a notice for a listener to route it. */
function isNotice(value: unknown): value is StreamNotice {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, runId, flowId } = value as Record<string, unknown>;
  return typeof kind === 'string' && typeof runId === 'string' && typeof flowId === 'string';
}
