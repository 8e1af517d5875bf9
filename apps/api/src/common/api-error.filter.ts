import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { ErrorBody, ErrorCode } from '@sluice/contracts';
import { DomainError, type DomainErrorCode } from '@sluice/runtime';
import { InvalidCursorError, isStoreUnavailable } from '@sluice/store';
import type { Response } from 'express';
import { BODY_HAS_NUL, BODY_TOO_DEEP } from './json-body.middleware';
import { RequestValidationError } from './request-validation';

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  payload_rejected: 422,
  invalid_graph: 422,
  unavailable: 503,
  overloaded: 503,
  invalid_query: 400,
  replay_running: 409,
};

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'unauthorized', 404: 'not_found', 409: 'conflict',
  413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'validation_failed', 503: 'unavailable',
};

/** Errors thrown by the JSON body parser carry a `type` and a `status`. */
interface BodyParserError { type: string; status: number; message: string }

/** Seconds a client is told to wait (Retry-After) when the store cannot be reached. */
const STORE_RETRY_AFTER_SECONDS = 1;

/** Maps every error to the API's `{ error: { code, message, details? } }` (docs/rest-api.md) with the right status. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.describe(exception);
    const storeDown = status === 503 && isStoreUnavailable(exception);
    // An outage is one line per refused request, not a stack each.
    if (storeDown) this.logger.warn(`store unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
    // Refusals under load are counted in /metrics (sluice_triggers_refused_total), not logged one by one.
    else if (status >= 500 && retryAfterOf(exception) === undefined) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    if (response.headersSent) {
      response.end();
      return;
    }
    if (storeDown) response.setHeader('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
    const retryAfterSeconds = retryAfterOf(exception);
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(status).json(body);
  }

  private describe(thrown: unknown): [number, ErrorBody] {
    // The express adapter wraps body-parser errors in an HttpException; the cause says what went wrong.
    const exception = thrown instanceof HttpException && isBodyParserError(thrown.cause) ? thrown.cause : thrown;
    if (exception instanceof DomainError) {
      return [DOMAIN_STATUS[exception.code], errorBody(exception.code, exception.message, exception.details)];
    }
    if (exception instanceof RequestValidationError) {
      return [400, errorBody('validation_failed', exception.message, { issues: exception.issues })];
    }
    if (exception instanceof InvalidCursorError) {
      const message = 'not a cursor this list issued; pass `nextCursor` of the previous page';
      return [400, errorBody('validation_failed', `cursor: ${message}`, { issues: [{ path: 'cursor', message }] })];
    }
    if (isBodyParserError(exception)) {
      if (exception.type === 'entity.too.large') return [413, errorBody('payload_too_large', 'The request body is larger than SLUICE_MAX_BODY')];
      if (exception.type === 'entity.parse.failed') return [400, errorBody('invalid_json', `The body is not valid JSON: ${exception.message}`)];
      if (exception.type === BODY_TOO_DEEP) return [400, errorBody('too_deep', exception.message)];
      if (exception.type === BODY_HAS_NUL) return [400, errorBody('unsupported_character', exception.message)];
      if (exception.status === 415) return [415, errorBody('unsupported_media_type', exception.message)];
      return [exception.status, errorBody('bad_request', exception.message)];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, errorBody(HTTP_CODES[status] ?? (status >= 500 ? 'internal' : 'bad_request'), exception.message)];
    }
    if (isStoreUnavailable(exception)) return [503, errorBody('unavailable', 'The store cannot be reached; try again shortly')];
    return [500, errorBody('internal', 'Internal error')];
  }
}

function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** A refusal that says when to come back: DomainError `overloaded` carries `retryAfterSeconds` in its details. */
function retryAfterOf(exception: unknown): number | undefined {
  if (!(exception instanceof DomainError) || exception.code !== 'overloaded') return undefined;
  const seconds = (exception.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

function isBodyParserError(value: unknown): value is BodyParserError {
  return value instanceof Error && typeof (value as Partial<BodyParserError>).type === 'string' && typeof (value as Partial<BodyParserError>).status === 'number';
}
