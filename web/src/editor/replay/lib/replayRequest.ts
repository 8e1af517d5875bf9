import type { FlowGraph, ReplayRequest } from '@sluice/contracts';
import { parseStubs } from './replayStubs';

/** The replay form as typed: text fields stay text until the request is built. */
export interface ReplayFormValues {
  /** The graph on the canvas (the default), or a saved version. */
  subject: 'draft' | number;
  /** How many of the latest recorded events to replay. */
  limit: string;
  /** `datetime-local` values (the browser's time zone); empty for no bound. */
  from: string;
  to: string;
  /** A JSONata predicate over each payload; empty for every event. */
  q: string;
  /** The text of each stub field, by http node id. */
  stubs: Record<string, string>;
}

export const DEFAULT_REPLAY_FORM: ReplayFormValues = { subject: 'draft', limit: '20', from: '', to: '', q: '', stubs: {} };

/** The most events one replay covers (docs/rest-api.md#replays). */
export const REPLAY_LIMIT_MAX = 10_000;

export interface ReplayFormErrors {
  limit?: string;
  from?: string;
  to?: string;
  /** By http node id. */
  stubs?: Record<string, string>;
}

export type ReplayRequestBuild = { ok: true; request: ReplayRequest } | { ok: false; errors: ReplayFormErrors };

/**
 * Turns the form into `POST /api/flows/:id/replays`'s body, or says which
 * fields are wrong, so a request the API would refuse with 400 is caught as
 * it is typed. `stubNodes` are the http nodes whose stub fields are shown;
 * text left in fields no longer shown is not sent.
 */
export function buildReplayRequest(values: ReplayFormValues, draft: FlowGraph, stubNodes: readonly string[]): ReplayRequestBuild {
  const errors: ReplayFormErrors = {};
  const limit = Number(values.limit);
  if (values.limit.trim() === '' || !Number.isInteger(limit) || limit < 1 || limit > REPLAY_LIMIT_MAX) {
    errors.limit = `A whole number from 1 to ${REPLAY_LIMIT_MAX.toLocaleString('en')}`;
  }
  const from = isoTime(values.from);
  const to = isoTime(values.to);
  if (from === undefined) errors.from = 'Not a date and time';
  if (to === undefined) errors.to = 'Not a date and time';
  if (from && to && from > to) errors.to = 'Before "from"';
  const shown = Object.fromEntries(stubNodes.map((nodeId) => [nodeId, values.stubs[nodeId] ?? '']));
  const stubs = parseStubs(shown);
  if (Object.keys(stubs.errors).length > 0) errors.stubs = stubs.errors;
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const q = values.q.trim();
  const request: ReplayRequest = {
    ...(values.subject === 'draft' ? { graph: draft } : { version: values.subject }),
    limit,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(q === '' ? {} : { q }),
    ...(Object.keys(stubs.stubs).length > 0 ? { stubs: stubs.stubs } : {}),
  };
  return { ok: true, request };
}

/** A `datetime-local` value as an ISO time; null when empty, undefined when it is not a time. */
function isoTime(value: string): string | null | undefined {
  if (value.trim() === '') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
