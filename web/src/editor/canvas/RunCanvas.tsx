import type { FlowGraph, StepState } from '@sluice/contracts';
import { Background, BackgroundVariant, Controls, type NodeMouseHandler, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { nodeTypes } from '../nodes/nodeTypes';
import { toEditorEdges, toEditorNodes } from '../store/createEditorStore';
import { createRunStatusStore } from '../store/createRunStatusStore';
import { RunStatusStoreProvider } from '../store/RunStatusStoreContext';
import { edgeTypes } from './StatusEdge';
import './canvas.css';

export interface RunCanvasProps {
  /** The graph of the run's flow version. */
  graph: FlowGraph;
  /** Step states to show (a live run, or a run `asOf` a seq for time travel). */
  steps: readonly StepState[];
  /** Called with the node id when a node is clicked (select a step). */
  onNodeClick?: (nodeId: string) => void;
  /** The node drawn with the selection ring (the step the page shows). */
  selectedNodeId?: string | undefined;
  /**
   * ISO time the steps describe when they are a past state (`asOf`, time
   * travel): countdowns then show due times instead of counting against now.
   * Omit for a live run.
   */
  frozenAt?: string | undefined;
}

const DEFAULT_EDGE_OPTIONS = { type: 'status' } as const;
const FIT_VIEW = { padding: 0.12, maxZoom: 1.1 };

/**
 * The read-only run canvas (docs/code-style.md, one component per node kind): the same node components as the
 * editor, no editing, coloured by the steps it is given.
 */
export function RunCanvas({ graph, steps, onNodeClick, selectedNodeId, frozenAt }: RunCanvasProps) {
  const [store] = useState(() => createRunStatusStore({ followLatest: false }));
  const baseNodes = useMemo(() => toEditorNodes(graph), [graph]);
  // Selection is the page's (a prop), not React Flow's: nodes are controlled and clicks only report.
  const nodes = useMemo(
    () => baseNodes.map((node) => (node.id === selectedNodeId ? { ...node, selected: true } : node)),
    [baseNodes, selectedNodeId],
  );
  const edges = useMemo(() => toEditorEdges(graph).map((edge) => ({ ...edge, type: 'status' })), [graph]);

  useEffect(() => {
    store.getState().setNodes(graph.nodes.map((node) => ({ id: node.id, type: node.type })));
    store.getState().showSteps(steps, frozenAt ?? null);
  }, [store, graph, steps, frozenAt]);

  const handleClick = useCallback<NodeMouseHandler>((_event, node) => onNodeClick?.(node.id), [onNodeClick]);

  return (
    <RunStatusStoreProvider store={store}>
      <ReactFlowProvider>
        <div className="sl-canvas sl-canvas--readonly" data-testid="run-canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={Boolean(onNodeClick)}
            deleteKeyCode={null}
            onNodeClick={handleClick}
            fitView
            fitViewOptions={FIT_VIEW}
          >
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.4} color="#c9cfdb" />
            <Controls showInteractive={false} position="bottom-left" />
          </ReactFlow>
        </div>
      </ReactFlowProvider>
    </RunStatusStoreProvider>
  );
}
