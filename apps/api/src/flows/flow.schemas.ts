import { z } from 'zod';

/** A UTF-16 surrogate without its partner: PostgreSQL would store it as U+FFFD, silently changing the text. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const UNICODE_TEXT = 'must be Unicode text (a lone UTF-16 surrogate is not)';
export const wellFormed = (value: string) => !LONE_SURROGATE.test(value);
const text = (max: number) => z.string().max(max).refine(wellFormed, UNICODE_TEXT);
const name = z.string().trim().min(1).max(200).refine(wellFormed, UNICODE_TEXT);

/** The graph's outer shape; node-level rules are the engine's validation. */
export const graphSchema = z.object({
  nodes: z.array(z.object({
    id: z.string().min(1),
    type: z.string().min(1),
    position: z.object({ x: z.number(), y: z.number() }),
    data: z.record(z.string(), z.unknown()).default({}),
  }).passthrough()),
  edges: z.array(z.object({
    id: z.string().min(1),
    source: z.string().min(1),
    target: z.string().min(1),
    sourceHandle: z.string().nullable().optional(),
    targetHandle: z.string().nullable().optional(),
  }).passthrough()),
});

export const createFlowSchema = z.object({
  name,
  description: text(5000).nullable().optional(),
  graph: graphSchema,
}).strict();

export const updateFlowSchema = z.object({
  name: name.optional(),
  description: text(5000).nullable().optional(),
  graph: graphSchema,
}).strict();

export const validateFlowSchema = z.object({ graph: z.unknown() });
