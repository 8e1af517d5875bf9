/** React Query keys, in one place so mutations invalidate exactly what they change. */
export const queryKeys = {
  flows: ['flows'] as const,
  flow: (id: string, version?: number) => ['flows', id, version ?? 'latest'] as const,
  versions: (id: string) => ['flows', id, 'versions'] as const,
  runs: (flowId: string, limit: number) => ['runs', { flowId, limit }] as const,
  run: (id: string) => ['run', id] as const,
  replay: (id: string) => ['replay', id] as const,
  replayEvent: (id: string, runId: string) => ['replay', id, 'events', runId] as const,
  replays: (flowId: string) => ['replays', flowId] as const,
  live: (flowId: string) => ['live', flowId] as const,
  retries: ['retries'] as const,
  deadLetters: ['dead-letters'] as const,
};
