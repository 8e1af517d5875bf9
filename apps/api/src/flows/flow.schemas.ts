import { z } from 'zod';

/** The graph's outer shape; node-level rules are the engine's validation. */
const graphSchema = z.object({
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
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullable().optional(),
  graph: graphSchema,
}).strict();

export const updateFlowSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).nullable().optional(),
  graph: graphSchema,
}).strict();

export const validateFlowSchema = z.object({ graph: z.unknown() });
