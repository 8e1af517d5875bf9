import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';

/** Names of the active flows by id, for lists that only carry a `flowId`. */
export function useFlowNames(): ReadonlyMap<string, string> {
  const flows = useQuery({ queryKey: queryKeys.flows, queryFn: api.listFlows, staleTime: 30_000 });
  return useMemo(() => new Map((flows.data?.items ?? []).map((flow) => [flow.id, flow.name])), [flows.data]);
}
