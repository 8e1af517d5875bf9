import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';

export interface FlowIndex {
  /** Flow name by flow id. */
  name(flowId: string): string | undefined;
  /** The node's label in the flow's latest version, when it has one. */
  nodeLabel(flowId: string, nodeId: string): string | undefined;
}

/** Names of the active flows and labels of their nodes, for lists that only carry ids. */
export function useFlowIndex(): FlowIndex {
  const flows = useQuery({ queryKey: queryKeys.flows, queryFn: api.listAllFlows, staleTime: 30_000 });
  return useMemo(() => {
    const byId = new Map((flows.data?.items ?? []).map((flow) => [flow.id, flow]));
    return {
      name: (flowId) => byId.get(flowId)?.name,
      nodeLabel: (flowId, nodeId) => {
        const label = byId.get(flowId)?.graph.nodes.find((node) => node.id === nodeId)?.data['label'];
        return typeof label === 'string' && label.trim() !== '' ? label : undefined;
      },
    };
  }, [flows.data]);
}
