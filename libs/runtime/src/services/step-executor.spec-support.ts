/**
 * Fixtures the StepExecutor specs share: a fixed clock, a flow whose runs
 * wait at one http step, and an http caller that answers 200. Test code only
 * (the build leaves `*.spec-support.ts` out).
 */
import { randomUUID } from 'node:crypto';
import type { FlowGraph, RunState } from '@sluice/contracts';
import { compileFlow, startRun, type CompiledFlow, type EffectResult, type EngineClock } from '@sluice/engine';
import type { HttpCaller } from '../ports/http-caller.port';

export const clock: EngineClock = { now: () => new Date('2026-01-01T00:00:00.000Z'), random: () => 0.5, newId: () => randomUUID() };

const oneCallGraph: FlowGraph = {
  nodes: [
    { id: 'start', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
    { id: 'call', type: 'http', position: { x: 0, y: 0 }, data: { url: 'https://example.test/hook', method: 'POST', body: 'event' } },
    { id: 'done', type: 'end', position: { x: 0, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'a', source: 'start', target: 'call', sourceHandle: null },
    { id: 'b', source: 'call', target: 'done', sourceHandle: null },
  ],
};

/** `trigger → http "call" → end`, compiled. */
export function oneCallFlow(): CompiledFlow {
  return compileFlow('flow-1', 1, oneCallGraph);
}

/** Runs started on the flow (run ids …0000, …0001, …), each waiting at its `call` step, by id. */
export async function startedRuns(flow: CompiledFlow, count: number): Promise<Map<string, RunState>> {
  const states = new Map<string, RunState>();
  for (let i = 0; i < count; i += 1) {
    const runId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    states.set(runId, (await startRun(flow, { runId, eventId: `event-${i}`, payload: { i }, source: 'rest' }, clock)).state);
  }
  return states;
}

/** An http caller whose every call gets 200 `{ ok: true }`; it notes each URL in `calls`. */
export function answeringOk(calls: string[] = []): HttpCaller {
  return {
    call: async (request): Promise<EffectResult> => {
      calls.push(request.url);
      return { kind: 'http', startedAt: clock.now().toISOString(), durationMs: 1, response: { status: 200, headers: {}, body: { ok: true } } };
    },
  };
}
