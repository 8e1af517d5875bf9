import type { ErrorBody, ErrorCode } from '@sluice/contracts';

/** A non-2xx answer from the Sluice API, carrying its `{ error: { code, message, details } }` body. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when the request never got an answer. */
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Builds the error from a failed response, whatever its body looks like. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as Partial<ErrorBody>;
      if (body.error && typeof body.error.message === 'string') {
        return new ApiError(response.status, body.error.code, body.error.message, body.error.details);
      }
    } catch {
      // Not JSON (a proxy page, say): fall through to a generic message.
    }
    return new ApiError(response.status, 'internal', text.trim().slice(0, 200) || `HTTP ${response.status}`);
  }
}

/** Message worth showing a person for anything a query or mutation threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
