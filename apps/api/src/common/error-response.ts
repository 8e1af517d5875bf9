import type { ErrorBody, ErrorCode } from '@sluice/contracts';
import type { Response } from 'express';

/** Answers from an Express middleware, ahead of Nest, in the API's error shape (docs/rest-api.md). */
export function sendError(response: Response, status: number, code: ErrorCode, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  response.status(status).json(body);
}
