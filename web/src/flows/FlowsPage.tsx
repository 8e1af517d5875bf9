import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlowDto, RunStatus } from '@sluice/contracts';
import { useDeferredValue, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { NODE_KINDS, nodeKind } from '../editor/lib/nodeCatalog';
import { NodeIcon } from '../editor/nodes/NodeIcon';
import { formatAgo } from '../format/timestamps';
import { EmptyState } from '../ui/EmptyState';
import { Toast, useToast } from '../ui/Toast';
import './FlowsPage.css';

/** What a new flow starts as: one trigger, ready for nodes to be dragged after it. */
function newFlowGraph() {
  return { nodes: [{ id: 'trigger', type: 'trigger', position: { x: 80, y: 160 }, data: NODE_KINDS.trigger.defaults() }], edges: [] };
}

/** From this many flows on, the list offers a search box. */
const SEARCH_FROM = 7;

/** `/`: every flow, with its latest run, and a button that creates a flow and opens it. */
export function FlowsPage() {
  const flows = useQuery({ queryKey: queryKeys.flows, queryFn: api.listAllFlows });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { toast, notify } = useToast();
  const create = useMutation({
    mutationFn: () => api.createFlow({ name: `Untitled flow ${(flows.data?.items.length ?? 0) + 1}`, graph: newFlowGraph() }),
    onSuccess: (flow) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows, exact: true });
      queryClient.setQueryData(queryKeys.flow(flow.id), flow);
      void navigate(`/flows/${flow.id}`);
    },
    onError: (error) => notify(`Could not create the flow: ${errorMessage(error)}`, 'error'),
  });
  const archive = useMutation({
    mutationFn: (id: string) => api.archiveFlow(id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.flows, exact: true }),
    onError: (error) => notify(errorMessage(error), 'error'),
  });

  const [search, setSearch] = useState('');
  const query = useDeferredValue(search.trim().toLowerCase());
  // Most recently edited first, so the flow someone is working on is at the top however many there are.
  const all = useMemo(
    () => (flows.data?.items ?? []).filter((flow) => !flow.archived).sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt)),
    [flows.data],
  );
  const items = useMemo(() => (query === '' ? all : all.filter((flow) => matches(flow, query))), [all, query]);
  return (
    <div className="sl-page">
      <PageHeader
        title="Flows"
        subtitle="Flowcharts of how your back end reacts to events. Every save is a new immutable version."
        actions={
          <button type="button" className="sl-btn sl-btn--primary" data-testid="create-flow" disabled={create.isPending} onClick={() => create.mutate()}>
            + New flow
          </button>
        }
      />
      {flows.isLoading && <div className="sl-muted">Loading flows…</div>}
      {flows.error && <div className="sl-alert">{errorMessage(flows.error)}</div>}
      {all.length >= SEARCH_FROM && (
        <div className="sl-flow-search">
          <input
            type="search"
            className="sl-input"
            data-testid="flow-search"
            placeholder="Search flows by name, description or topic"
            aria-label="Search flows"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <span className="sl-muted sl-small" data-testid="flow-count">
            {items.length === all.length ? `${all.length} flows` : `${items.length} of ${all.length} flows`}
          </span>
        </div>
      )}
      {flows.data && all.length > 0 && items.length === 0 && (
        <div className="sl-empty" data-testid="flow-search-empty">
          <h3>No flow matches “{search.trim()}”</h3>
          <button type="button" className="sl-btn" onClick={() => setSearch('')}>
            Clear search
          </button>
        </div>
      )}
      {flows.data && all.length === 0 && (
        <EmptyState
          icon="flows"
          title="No flows yet"
          testId="flows-empty"
          action={
            <button type="button" className="sl-btn sl-btn--primary" disabled={create.isPending} onClick={() => create.mutate()}>
              + Create your first flow
            </button>
          }
        >
          A flow is a flowchart of what happens when an event arrives: filter it, call a service, publish, retry on failure. Create one, drag nodes onto the
          canvas, and send it a test event.
        </EmptyState>
      )}
      <div className="sl-flow-grid" data-testid="flow-list">
        {items.map((flow) => (
          <FlowCard key={flow.id} flow={flow} onArchive={() => window.confirm(`Archive “${flow.name}”?`) && archive.mutate(flow.id)} />
        ))}
      </div>
      <Toast toast={toast} />
    </div>
  );
}

function FlowCard({ flow, onArchive }: { flow: FlowDto; onArchive: () => void }) {
  const types = [...new Set(flow.graph.nodes.map((node) => node.type))];
  const entry = flow.graph.nodes.find((node) => nodeKind(node.type)?.entry);
  return (
    <article className="sl-flow-card" data-testid={`flow-${flow.id}`}>
      <Link to={`/flows/${flow.id}`} className="sl-flow-card__link">
        <div className="sl-flow-card__top">
          <h3 title={flow.name}>{flow.name}</h3>
          <span className="sl-tag">v{flow.version}</span>
        </div>
        <p className={`sl-flow-card__desc${flow.description ? '' : ' is-path'}`}>{flow.description ?? pathOf(flow)}</p>
        <div className="sl-flow-card__icons">
          {types.map((type) => {
            const kind = nodeKind(type);
            return kind ? (
              <span key={type} className={`sl-chip-icon sl-node--${kind.group.toLowerCase()}`} title={kind.title}>
                <NodeIcon name={kind.icon} size={13} />
              </span>
            ) : null;
          })}
          <span className="sl-muted sl-small">
            {nodeCount(flow.graph.nodes.length)} · {entry?.type === 'subscribe' ? `topic ${String(entry.data['topic'] ?? '')}` : 'REST trigger'}
          </span>
        </div>
      </Link>
      <footer className="sl-flow-card__foot">
        <LastRun flowId={flow.id} />
        <span className="sl-muted sl-small">updated {formatAgo(flow.updatedAt)}</span>
        <Link className="sl-link" to={`/flows/${flow.id}/runs`} data-testid={`flow-runs-${flow.id}`}>
          Runs
        </Link>
        <button type="button" className="sl-link sl-link--muted" onClick={onArchive}>
          Archive
        </button>
      </footer>
    </article>
  );
}

const RUN_LABEL: Record<RunStatus, string> = { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed', ignored: 'ignored' };

function LastRun({ flowId }: { flowId: string }) {
  const runs = useQuery({ queryKey: queryKeys.runs(flowId, 1), queryFn: () => api.listRuns({ flowId, limit: 1 }), refetchInterval: 10_000 });
  const run = runs.data?.items[0];
  if (!run) return <span className="sl-muted sl-small">no runs yet</span>;
  return (
    <Link to={`/runs/${run.id}`} className={`sl-run-status run-${run.status}`}>
      <span className="sl-status-dot" />
      last run {RUN_LABEL[run.status]} · {formatAgo(run.startedAt)}
    </Link>
  );
}

/** "Order placed → Is it significant? → …": the labels along the flow from its entry, first branch first, for cards without a description. */
function pathOf(flow: FlowDto): string {
  const { nodes, edges } = flow.graph;
  const label = (id: string): string => {
    const found = nodes.find((node) => node.id === id);
    const text = found?.data['label'];
    return typeof text === 'string' && text.trim() !== '' ? text : (nodeKind(found?.type)?.title ?? id);
  };
  let current = nodes.find((node) => nodeKind(node.type)?.entry)?.id;
  const seen = new Set<string>();
  const parts: string[] = [];
  while (current !== undefined && !seen.has(current) && parts.length < 6) {
    seen.add(current);
    parts.push(label(current));
    const from = current;
    current = edges.find((edge) => edge.source === from && edge.sourceHandle !== 'error')?.target;
  }
  return parts.length > 1 ? parts.join(' → ') : 'Only an entry node so far: open it to add steps.';
}

function matches(flow: FlowDto, query: string): boolean {
  const topics = flow.graph.nodes.map((node) => node.data['topic']).filter((topic) => typeof topic === 'string');
  return [flow.name, flow.description ?? '', ...topics].some((text) => text.toLowerCase().includes(query));
}

function nodeCount(count: number): string {
  return count === 1 ? '1 node' : `${count} nodes`;
}
