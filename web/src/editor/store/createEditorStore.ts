import type { FlowDto, FlowEdge, FlowGraph, GraphError, GraphWarning, NodeType } from '@sluice/contracts';
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import type { BottleneckReport } from '../lib/bottleneckStats';
import { nodeKind, NODE_KINDS } from '../lib/nodeCatalog';

/** A canvas node: `data` holds its type's fields (docs/flow-model.md) plus `label` and `retry`, never callbacks. */
export type EditorNode = Node<Record<string, unknown>>;
export type EditorEdge = Edge;

interface Snapshot {
  nodes: EditorNode[];
  edges: EditorEdge[];
}

/** Outcome of the latest `POST /api/flows/validate` for the graph on the canvas. */
export interface ValidationState {
  status: 'idle' | 'checking' | 'valid' | 'invalid' | 'unavailable';
  errors: GraphError[];
  /** Hazards that never block a save, such as a publish its own subscribe matches (docs/publish-chains.md). */
  warnings: GraphWarning[];
  /** Error messages per node id and edge id, and the ones naming neither. */
  byNode: Record<string, string[]>;
  byEdge: Record<string, string[]>;
  general: string[];
  /** Warning messages per node id. */
  warningsByNode: Record<string, string[]>;
  /**
   * True while a re-validation is in flight and the errors and warnings shown
   * come from an earlier graph: they may already be gone, so the canvas dims them.
   */
  stale: boolean;
  /** `revision` the result belongs to; stale results are dropped. */
  revision: number;
}

export interface EditorState {
  flowId: string;
  name: string;
  description: string | null;
  /** Version loaded on the canvas, and the flow's latest version. */
  version: number;
  latestVersion: number;
  /** True when showing an older version: every edit is refused. */
  readOnly: boolean;
  nodes: EditorNode[];
  edges: EditorEdge[];
  past: Snapshot[];
  future: Snapshot[];
  /** Bumped by every graph edit; `savedRevision` is the revision last saved or loaded. */
  revision: number;
  savedRevision: number;
  validation: ValidationState;
  /** JSON text of the sample event used by JSONata previews and "Send test event". */
  sampleEvent: string;
  /** Per-node figures over recent runs while the bottleneck view is on; null when off. */
  bottleneck: BottleneckReport | null;

  onNodesChange(changes: NodeChange<EditorNode>[]): void;
  onEdgesChange(changes: EdgeChange<EditorEdge>[]): void;
  onConnect(connection: Connection): void;
  addNode(type: NodeType, position: { x: number; y: number }): string | undefined;
  /** Merges `patch` into a node's data; `undefined` values remove keys. Typing into one field is one undo step. */
  updateNodeData(id: string, patch: Record<string, unknown>): void;
  deleteSelection(): void;
  deleteNode(id: string): void;
  selectNode(id: string | null): void;
  undo(): void;
  redo(): void;
  setPositions(positions: Record<string, { x: number; y: number }>): void;
  replaceGraph(graph: FlowGraph): void;
  setName(name: string): void;
  setValidation(validation: ValidationAnswer): void;
  markSaved(flow: FlowDto): void;
  setSampleEvent(text: string): void;
  setBottleneck(report: BottleneckReport | null): void;
}

export type EditorStore = ReturnType<typeof createEditorStore>;

/** What `setValidation` takes: the answer itself; the groups and the stale flag are derived from it. */
export type ValidationAnswer = Omit<ValidationState, 'byNode' | 'byEdge' | 'general' | 'warningsByNode' | 'stale'>;

/** Snapshots kept for undo. */
const HISTORY_LIMIT = 100;
/** Edits to one node's data within this window merge into one undo step, in ms. */
const COALESCE_MS = 1200;

export const DEFAULT_SAMPLE_EVENT = '{\n  "orderId": "A-1",\n  "amount": 250,\n  "customer": { "email": "ada@example.com" }\n}';

export function toEditorNodes(graph: FlowGraph): EditorNode[] {
  return graph.nodes.map((node) => ({ id: node.id, type: node.type, position: { ...node.position }, data: { ...node.data } }));
}

export function toEditorEdges(graph: FlowGraph): EditorEdge[] {
  return graph.edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? null,
    ...(edge.targetHandle ? { targetHandle: edge.targetHandle } : {}),
  }));
}

/** The graph as saved: React Flow's shape without its runtime fields (selection, measurements). */
export function toFlowGraph(nodes: readonly EditorNode[], edges: readonly EditorEdge[]): FlowGraph {
  return {
    nodes: nodes.map((node) => ({
      id: node.id,
      type: node.type ?? 'unknown',
      position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
      data: node.data,
    })),
    edges: edges.map((edge): FlowEdge => ({ id: edge.id, source: edge.source, target: edge.target, sourceHandle: edge.sourceHandle ?? null })),
  };
}

export function groupErrors(errors: readonly GraphError[]): Pick<ValidationState, 'byNode' | 'byEdge' | 'general'> {
  const byNode: Record<string, string[]> = {};
  const byEdge: Record<string, string[]> = {};
  const general: string[] = [];
  for (const error of errors) {
    if (error.nodeId !== undefined) (byNode[error.nodeId] ??= []).push(error.message);
    else if (error.edgeId !== undefined) (byEdge[error.edgeId] ??= []).push(error.message);
    else general.push(error.message);
  }
  return { byNode, byEdge, general };
}

/** Warning messages per node id, in the order given. */
export function groupWarnings(warnings: readonly GraphWarning[]): Record<string, string[]> {
  const byNode: Record<string, string[]> = {};
  for (const warning of warnings) (byNode[warning.nodeId] ??= []).push(warning.message);
  return byNode;
}

function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Creates one editor's store (docs/code-style.md, editor stores): state and every graph action, provided to its canvas through context. */
export function createEditorStore(flow: FlowDto, options: { readOnly?: boolean; latestVersion?: number } = {}) {
  /** Coalescing key of the last data edit, so a burst of keystrokes is one undo step. */
  let lastEdit: { key: string; at: number } | undefined;
  /** True between the first and last position change of a drag. */
  let dragging = false;

  return createStore<EditorState>()((set, get) => {
    const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges });
    /** Records the current graph for undo before an edit. */
    const remember = (): void => {
      lastEdit = undefined;
      set((state) => ({ past: [...state.past, snapshot()].slice(-HISTORY_LIMIT), future: [] }));
    };
    const edited = (partial: Partial<EditorState>): void => set((state) => ({ ...partial, revision: state.revision + 1 }));

    return {
      flowId: flow.id,
      name: flow.name,
      description: flow.description,
      version: flow.version,
      latestVersion: options.latestVersion ?? flow.version,
      readOnly: options.readOnly ?? false,
      nodes: toEditorNodes(flow.graph),
      edges: toEditorEdges(flow.graph),
      past: [],
      future: [],
      revision: 0,
      savedRevision: 0,
      validation: { status: 'idle', errors: [], warnings: [], byNode: {}, byEdge: {}, general: [], warningsByNode: {}, stale: false, revision: -1 },
      sampleEvent: DEFAULT_SAMPLE_EVENT,
      bottleneck: null,

      onNodesChange(changes) {
        const { readOnly } = get();
        const allowed = readOnly ? changes.filter((change) => change.type === 'select' || change.type === 'dimensions') : changes;
        if (allowed.length === 0) return;
        const removes = allowed.some((change) => change.type === 'remove');
        const moves = allowed.filter((change) => change.type === 'position');
        if (removes) remember();
        if (moves.some((change) => change.type === 'position' && change.dragging) && !dragging) {
          dragging = true;
          remember();
        }
        const dragEnded = moves.some((change) => change.type === 'position' && change.dragging === false);
        if (dragEnded) dragging = false;
        const nodes = applyNodeChanges(allowed, get().nodes);
        if (removes || moves.length > 0) {
          const ids = new Set(nodes.map((node) => node.id));
          const edges = removes ? get().edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)) : get().edges;
          edited({ nodes, edges });
        } else {
          set({ nodes });
        }
      },

      onEdgesChange(changes) {
        const allowed = get().readOnly ? changes.filter((change) => change.type === 'select') : changes;
        if (allowed.length === 0) return;
        const removes = allowed.some((change) => change.type === 'remove');
        if (removes) remember();
        const edges = applyEdgeChanges(allowed, get().edges);
        if (removes) edited({ edges });
        else set({ edges });
      },

      onConnect(connection) {
        const { readOnly, nodes, edges } = get();
        if (readOnly || connection.source === connection.target) return;
        const handle = connection.sourceHandle ?? null;
        const duplicate = edges.some((edge) => edge.source === connection.source && edge.target === connection.target && (edge.sourceHandle ?? null) === handle);
        if (duplicate) return;
        if (nodeKind(nodes.find((node) => node.id === connection.target)?.type)?.entry) return;
        remember();
        const id = uniqueId(`e-${connection.source}-${handle ?? 'out'}-${connection.target}`, new Set(edges.map((edge) => edge.id)));
        edited({ edges: addEdge({ ...connection, id, sourceHandle: handle }, edges) });
      },

      addNode(type, position) {
        const { readOnly, nodes } = get();
        if (readOnly) return undefined;
        remember();
        const id = uniqueId(type, new Set(nodes.map((node) => node.id)));
        const node: EditorNode = { id, type, position, data: NODE_KINDS[type].defaults(), selected: true };
        edited({ nodes: [...nodes.map((other) => (other.selected ? { ...other, selected: false } : other)), node] });
        return id;
      },

      updateNodeData(id, patch) {
        if (get().readOnly) return;
        const key = `${id}:${Object.keys(patch).sort().join(',')}`;
        const now = Date.now();
        if (!lastEdit || lastEdit.key !== key || now - lastEdit.at > COALESCE_MS) remember();
        lastEdit = { key, at: now };
        edited({
          nodes: get().nodes.map((node) => {
            if (node.id !== id) return node;
            const data: Record<string, unknown> = { ...node.data };
            for (const [field, value] of Object.entries(patch)) {
              if (value === undefined) delete data[field];
              else data[field] = value;
            }
            return { ...node, data };
          }),
        });
      },

      deleteSelection() {
        const { readOnly, nodes, edges } = get();
        if (readOnly) return;
        const doomed = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
        const edgeDoomed = edges.filter((edge) => edge.selected || doomed.has(edge.source) || doomed.has(edge.target));
        if (doomed.size === 0 && edgeDoomed.length === 0) return;
        remember();
        const dropEdges = new Set(edgeDoomed.map((edge) => edge.id));
        edited({ nodes: nodes.filter((node) => !doomed.has(node.id)), edges: edges.filter((edge) => !dropEdges.has(edge.id)) });
      },

      deleteNode(id) {
        const { readOnly, nodes, edges } = get();
        if (readOnly || !nodes.some((node) => node.id === id)) return;
        remember();
        edited({ nodes: nodes.filter((node) => node.id !== id), edges: edges.filter((edge) => edge.source !== id && edge.target !== id) });
      },

      selectNode(id) {
        set((state) => ({
          nodes: state.nodes.map((node) => {
            const selected = node.id === id;
            return Boolean(node.selected) === selected ? node : { ...node, selected };
          }),
          edges: state.edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        }));
      },

      undo() {
        const { past, readOnly } = get();
        const previous = past[past.length - 1];
        if (readOnly || !previous) return;
        lastEdit = undefined;
        set((state) => ({ past: state.past.slice(0, -1), future: [snapshot(), ...state.future], ...previous, revision: state.revision + 1 }));
      },

      redo() {
        const { future, readOnly } = get();
        const next = future[0];
        if (readOnly || !next) return;
        lastEdit = undefined;
        set((state) => ({ future: state.future.slice(1), past: [...state.past, snapshot()], ...next, revision: state.revision + 1 }));
      },

      setPositions(positions) {
        if (get().readOnly) return;
        remember();
        edited({ nodes: get().nodes.map((node) => (positions[node.id] ? { ...node, position: positions[node.id] as { x: number; y: number } } : node)) });
      },

      replaceGraph(graph) {
        if (get().readOnly) return;
        remember();
        edited({ nodes: toEditorNodes(graph), edges: toEditorEdges(graph) });
      },

      setName(name) {
        if (get().readOnly) return;
        edited({ name });
      },

      setValidation(validation) {
        if (validation.revision < get().validation.revision) return;
        const previous = get().validation;
        // While checking, the errors and warnings are the previous answer's: keep their groups (same references, no re-render) and mark them stale.
        const groups = validation.errors === previous.errors ? { byNode: previous.byNode, byEdge: previous.byEdge, general: previous.general } : groupErrors(validation.errors);
        const warningsByNode = validation.warnings === previous.warnings ? previous.warningsByNode : groupWarnings(validation.warnings);
        const shown = validation.errors.length > 0 || validation.warnings.length > 0;
        set({ validation: { ...validation, ...groups, warningsByNode, stale: validation.status === 'checking' && shown } });
      },

      markSaved(saved) {
        set((state) => ({ version: saved.version, latestVersion: saved.version, name: saved.name, savedRevision: state.revision }));
      },

      setSampleEvent(text) {
        set({ sampleEvent: text });
      },

      setBottleneck(report) {
        set({ bottleneck: report });
      },
    };
  });
}
