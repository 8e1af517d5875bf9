import type { HistoryEvent, StepError } from '@sluice/contracts';
import type { EffectResult, HttpEffectErrorCode } from '../nodes/http-exchange';

/** What one ended attempt of an http step recorded: a response, or a failure without one. */
type RecordedAttempt =
  | { durationMs: number; response: { status: number; headers: Record<string, string>; body: unknown } }
  | { durationMs: number; error: { code: HttpEffectErrorCode; message: string } };

/** Codes of an attempt that ended without a response, which a caller reports (see `EffectResult.error`). */
const EFFECT_ERROR_CODES: ReadonlySet<string> = new Set<HttpEffectErrorCode>([
  'timeout', 'network', 'refused', 'too_many_redirects', 'output_too_large', 'secret_missing',
]);

/**
 * The answers an original run recorded for its http steps, per node, in the
 * order the attempts ended. Each is turned back into the effect the caller
 * reported, so the replay classifies it as the run did and records the same
 * output or error:
 * - a success's output is the response (status, the headers it kept, body);
 * - an `http_status` failure is a response with that status, whose body is
 *   the excerpt its message quotes, so the message comes out the same;
 * - a failure without a response keeps its code and message.
 *
 * Failures that were not answers are left out: a body expression that did
 * not evaluate (the replay evaluates the subject's), a message given up on
 * after too many deliveries, an output the store could not hold.
 */
export class RecordedResponses {
  private readonly byNode = new Map<string, RecordedAttempt[]>();

  /** @param httpNodes ids of the http nodes of the version the run followed: only their outcomes are responses. */
  constructor(history: readonly HistoryEvent[], httpNodes: ReadonlySet<string>) {
    for (const event of history) {
      if (event.nodeId === undefined || !httpNodes.has(event.nodeId)) continue;
      const attempt = event.type === 'StepSucceeded' ? fromOutput(event.data.output, event.data.durationMs)
        : event.type === 'StepFailed' ? fromError(event.data.error, event.data.durationMs)
          : undefined;
      if (attempt === undefined) continue;
      const attempts = this.byNode.get(event.nodeId);
      if (attempts) attempts.push(attempt);
      else this.byNode.set(event.nodeId, [attempt]);
    }
  }

  /**
   * The answer to attempt `attempt` of the node's step, sent at `startedAt`:
   * the `attempt`-th recorded one, or the last recorded when the run made
   * fewer; undefined when it recorded none.
   */
  answer(nodeId: string, attempt: number, startedAt: Date): EffectResult | undefined {
    const attempts = this.byNode.get(nodeId);
    if (attempts === undefined || attempts.length === 0) return undefined;
    const recorded = attempts[Math.min(Math.max(attempt, 1), attempts.length) - 1] as RecordedAttempt;
    return { kind: 'http', startedAt: startedAt.toISOString(), ...recorded };
  }
}

function fromOutput(output: unknown, durationMs: number): RecordedAttempt | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const { status, headers, body } = output as { status?: unknown; headers?: unknown; body?: unknown };
  if (typeof status !== 'number' || !isStringRecord(headers)) return undefined;
  return { durationMs, response: { status, headers, body: body ?? null } };
}

function fromError(error: StepError, durationMs: number): RecordedAttempt | undefined {
  if (error.code === 'http_status' && typeof error.status === 'number') {
    const prefix = `HTTP ${error.status}: `;
    const body = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : '';
    return { durationMs, response: { status: error.status, headers: {}, body } };
  }
  const code = error.code;
  return isEffectErrorCode(code) ? { durationMs, error: { code, message: error.message } } : undefined;
}

function isEffectErrorCode(code: string): code is HttpEffectErrorCode {
  return EFFECT_ERROR_CODES.has(code);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');
}
