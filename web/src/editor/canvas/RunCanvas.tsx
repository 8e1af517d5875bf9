import type { FlowGraph, StepState } from '@sluice/contracts';
import { Background, BackgroundVariant, Controls, type NodeMouseHandler, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
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
}

const DEFAULT_EDGE_OPTIONS = { type: 'status' } as const;

/**
 * The read-only run canvas (STYLE 21): the same node components as the
 * editor, no editing, coloured by the steps it is given.
 */
export function RunCanvas({ graph, steps, onNodeClick }: RunCanvasProps) {
  const [store] = useState(() => createRunStatusStore({ followLatest: false }));
  const nodes = useMemo(() => toEditorNodes(graph), [graph]);
  const edges = useMemo(() => toEditorEdges(graph).map((edge) => ({ ...edge, type: 'status' })), [graph]);

  useEffect(() => {
    store.getState().setNodes(graph.nodes.map((node) => ({ id: node.id, type: node.type })));
    store.getState().showSteps(steps);
  }, [store, graph, steps]);

  const handleClick: NodeMouseHandler = (_event, node) => onNodeClick?.(node.id);

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
            fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
              >
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.4} color="#c9cfdb" />
            <Controls showInteractive={false} position="bottom-left" />
          </ReactFlow>
        </div>
      </ReactFlowProvider>
    </RunStatusStoreProvider>
  );
}
