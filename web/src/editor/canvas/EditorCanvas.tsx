import type { NodeType } from '@sluice/contracts';
import {
  Background,
  BackgroundVariant,
  type Connection,
  ConnectionLineType,
  Controls,
  type Edge,
  MiniMap,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, useCallback, useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DND_MIME, nodeKind } from '../lib/nodeCatalog';
import { nodeTypes } from '../nodes/nodeTypes';
import type { EditorState } from '../store/createEditorStore';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';
import { useRunStatusStoreApi } from '../store/RunStatusStoreContext';
import { edgeTypes } from './StatusEdge';
import './canvas.css';

const selectCanvas = (state: EditorState) => ({
  nodes: state.nodes,
  edges: state.edges,
  readOnly: state.readOnly,
  onNodesChange: state.onNodesChange,
  onEdgesChange: state.onEdgesChange,
  onConnect: state.onConnect,
});

const DEFAULT_EDGE_OPTIONS = { type: 'status' } as const;
const DELETE_KEYS = ['Delete', 'Backspace'];
/** Room around the graph when fitting it into view, as a fraction of the viewport. */
const FIT_VIEW = { padding: 0.12, maxZoom: 1.1 };
/** Half the size of a fresh node, so a drop lands centred on the cursor, in px. */
const DROP_OFFSET = { x: 120, y: 32 };

/** The editable canvas: drag from the palette, connect handles, select for the inspector. */
export function EditorCanvas() {
  const { nodes, edges, readOnly, onNodesChange, onEdgesChange, onConnect } = useEditorStore(useShallow(selectCanvas));
  const store = useEditorStoreApi();
  const { screenToFlowPosition } = useReactFlow();
  useSyncStatusNodes();

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DND_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DND_MIME);
      if (!nodeKind(type)) return;
      event.preventDefault();
      const point = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(type as NodeType, { x: Math.round(point.x - DROP_OFFSET.x), y: Math.round(point.y - DROP_OFFSET.y) });
    },
    [screenToFlowPosition, store],
  );

  const isValidConnection = useCallback(
    (connection: Connection | Edge) => {
      if (connection.source === connection.target) return false;
      const target = store.getState().nodes.find((node) => node.id === connection.target);
      return !nodeKind(target?.type)?.entry;
    },
    [store],
  );

  return (
    <div className="sl-canvas" data-testid="editor-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        connectionLineType={ConnectionLineType.Bezier}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        multiSelectionKeyCode="Shift"
        fitView
        fitViewOptions={FIT_VIEW}
        minZoom={0.2}
        maxZoom={2}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.4} color="#c9cfdb" />
        <Controls showInteractive={false} position="bottom-left" />
        <MiniMap pannable zoomable position="bottom-right" style={{ width: 168, height: 110 }} nodeColor={miniMapColor} nodeStrokeWidth={0} maskColor="rgb(240 242 247 / 0.7)" />
      </ReactFlow>
    </div>
  );
}

function miniMapColor(node: { type?: string }): string {
  switch (nodeKind(node.type)?.group) {
    case 'Start':
      return '#8b5cf6';
    case 'Logic':
      return '#0ea5e9';
    case 'Actions':
      return '#f97316';
    case 'Finish':
      return '#64748b';
    default:
      return '#94a3b8';
  }
}

/** Keeps the run-status projection's node list (id and type) in step with the canvas, without re-rendering the canvas. */
function useSyncStatusNodes(): void {
  const editor = useEditorStoreApi();
  const runStatus = useRunStatusStoreApi();
  useEffect(() => {
    let key = '';
    const sync = (state: EditorState): void => {
      const next = state.nodes.map((node) => `${node.id}:${node.type ?? ''}`).join('|');
      if (next === key) return;
      key = next;
      runStatus.getState().setNodes(state.nodes.map((node) => ({ id: node.id, type: node.type })));
    };
    sync(editor.getState());
    return editor.subscribe(sync);
  }, [editor, runStatus]);
}
