import type { ErrorBody, ErrorCode } from '@sluice/contracts';
import type { Response } from 'express';

/** Answers from an Express middleware, ahead of Nest, in SPEC §5's error shape. */
export function sendError(response: Response, status: number, code: ErrorCode, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  response.status(status).json(body);
}
