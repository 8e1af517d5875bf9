import { jsonLongerThan } from '@sluice/engine';
import { REPLAY_LIMITS, RUN_QUERY_LIMITS } from '@sluice/runtime';
import { z } from 'zod';
import { INT4_MAX } from '../common/request-validation';
import { graphSchema, UNICODE_TEXT, wellFormed } from '../flows/flow.schemas';

/** The earliest and latest times a replay's `from` and `to` may name: the years PostgreSQL and ISO 8601 both write as four digits. */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** An ISO 8601 time with a zone, read as the instant it names (in UTC). */
const instant = z.iso.datetime({ offset: true })
  .transform((text) => Date.parse(text))
  .refine((ms) => ms >= EARLIEST && ms <= LATEST, 'a time from year 1 to 9999')
  .transform((ms) => new Date(ms).toISOString());

/** Most stubs in one request: one per node a graph may have. */
const MAX_STUBS = 500;

const stub = z.object({
  status: z.number().int().min(200).max(599).optional(),
  headers: z.record(z.string().min(1).max(256), z.string().max(8192)).optional(),
  body: z.unknown().optional(),
}).strict().refine(
  (value) => !jsonLongerThan(value, REPLAY_LIMITS.maxStubBytes),
  `a stub is at most ${REPLAY_LIMITS.maxStubBytes / 1024} KiB as JSON`,
);

/**
 * `POST /api/flows/:id/replays` (docs/rest-api.md#replays): a draft graph or
 * a version, exactly one, and what to select. The graph's outer shape is
 * checked here as on save; its rules are the engine's (422 invalid_graph).
 */
export const replayRequestSchema = z.object({
  graph: graphSchema.optional(),
  version: z.number().int().min(1).max(INT4_MAX).optional(),
  limit: z.number().int().min(1).max(REPLAY_LIMITS.maxEvents).default(REPLAY_LIMITS.defaultEvents),
  from: instant.nullable().optional(),
  to: instant.nullable().optional(),
  q: z.string().trim().min(1, 'a JSONata expression').max(RUN_QUERY_LIMITS.maxQueryLength).refine(wellFormed, UNICODE_TEXT).nullable().optional(),
  stubs: z.record(z.string().min(1).max(100), stub)
    .refine((stubs) => Object.keys(stubs).length <= MAX_STUBS, `at most ${MAX_STUBS} stubs`)
    .optional(),
}).strict().superRefine((request, context) => {
  if ((request.graph === undefined) === (request.version === undefined)) {
    context.addIssue({ code: 'custom', path: ['graph'], message: 'give exactly one of graph (a draft) and version (a saved version)' });
  }
  if (request.from && request.to && Date.parse(request.from) > Date.parse(request.to)) {
    context.addIssue({ code: 'custom', path: ['from'], message: 'from is later than to' });
  }
});

export type ReplayRequestBody = z.output<typeof replayRequestSchema>;
