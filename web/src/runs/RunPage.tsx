import type { HistoryEvent, RunState } from '@sluice/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { RunCanvas } from '../editor/canvas/RunCanvas';
import { Toast, useToast } from '../ui/Toast';
import { defaultStepId } from './lib/runStep';
import { RunHeader } from './RunHeader';
import { RunTimeline } from './RunTimeline';
import { StepPanel } from './StepPanel';
import { TimeTravelBar } from './TimeTravelBar';
import { useDebounced } from './useDebounced';
import { useLiveRun } from './useLiveRun';
import '@xyflow/react/dist/style.css';
import './runs.css';

/** How long the slider must rest before its state is fetched, in ms. */
const TRAVEL_DEBOUNCE_MS = 150;
const NO_EVENTS: HistoryEvent[] = [];

/** `/runs/:id[?node=<nodeId>]`: one run's graph, history, time travel and steps. */
export function RunPage() {
  const { id = '' } = useParams();
  return <RunDetail key={id} runId={id} />;
}

function RunDetail({ runId }: { runId: string }) {
  const { run, error } = useLiveRun(runId);
  if (!run) {
    return error ? (
      <div className="sl-page-message">
        <h2>Cannot show this run</h2>
        <p className="sl-muted">{errorMessage(error)}</p>
        <Link className="sl-btn" to="/">
          Back to flows
        </Link>
      </div>
    ) : (
      <div className="sl-page-message sl-muted">Loading run…</div>
    );
  }
  return <RunView live={run} />;
}

function RunView({ live }: { live: RunState }) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useSearchParams();
  const { toast, notify } = useToast();
  /** The seq on the slider; null follows the end of the history live. */
  const [travel, setTravel] = useState<number | null>(null);
  const seq = travel === null ? live.lastSeq : Math.min(travel, live.lastSeq);
  const atEnd = seq >= live.lastSeq;
  const settledSeq = useDebounced(seq, TRAVEL_DEBOUNCE_MS);
  const fetchSeq = atEnd ? null : settledSeq;

  const flow = useQuery({
    queryKey: queryKeys.flow(live.flowId, live.flowVersion),
    queryFn: () => api.getFlow(live.flowId, live.flowVersion),
    staleTime: Infinity,
  });
  const history = useQuery({
    queryKey: [...queryKeys.run(live.id), 'history', live.lastSeq],
    queryFn: () => api.runHistory(live.id),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
  // The state as of a seq never changes: the history is append-only.
  const past = useQuery({
    queryKey: [...queryKeys.run(live.id), 'asOf', fetchSeq],
    queryFn: () => api.getRun(live.id, fetchSeq ?? undefined),
    enabled: fetchSeq !== null,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });

  const shown: RunState = atEnd ? live : (past.data ?? live);
  const showingPast = !atEnd && past.data !== undefined;
  const traveling = !atEnd && past.data?.lastSeq !== seq;

  const events = history.data?.items ?? NO_EVENTS;
  const selected = search.get('node') ?? defaultStepId(shown.steps) ?? defaultStepId(live.steps);
  const selectNode = useCallback(
    (nodeId: string) => {
      setSearch(
        (previous) => {
          const next = new URLSearchParams(previous);
          next.set('node', nodeId);
          return next;
        },
        { replace: true },
      );
    },
    [setSearch],
  );
  const travelTo = useCallback((target: number) => setTravel(target >= live.lastSeq ? null : Math.max(1, target)), [live.lastSeq]);

  const retry = useMutation({
    mutationFn: () => api.retryRun(live.id),
    onSuccess: () => {
      notify('Retry requested');
      void queryClient.invalidateQueries({ queryKey: queryKeys.retries });
      void queryClient.invalidateQueries({ queryKey: queryKeys.deadLetters });
    },
    onError: (problem) => notify(`Retry failed: ${errorMessage(problem)}`, 'error'),
  });

  const graph = flow.data?.graph;
  const node = graph?.nodes.find((candidate) => candidate.id === selected);

  return (
    <div className="sl-run" data-testid="run-page" data-run-id={live.id} data-as-of={showingPast ? shown.lastSeq : 'live'}>
      <RunHeader run={live} flow={flow.data} />
      <div className="sl-run__body">
        <div className="sl-run__main">
          <div className={`sl-run__canvas${showingPast ? ' is-past' : ''}`}>
            {graph ? (
              <RunCanvas graph={graph} steps={shown.steps} onNodeClick={selectNode} selectedNodeId={selected} frozenAt={showingPast ? shown.updatedAt : undefined} />
            ) : (
              <div className="sl-page-message sl-muted">{flow.error ? errorMessage(flow.error) : 'Loading graph…'}</div>
            )}
            {showingPast && (
              <div className="sl-run__past-banner" data-testid="past-banner">
                Showing the run as of seq {shown.lastSeq} — later events are hidden
              </div>
            )}
          </div>
          <TimeTravelBar
            value={seq}
            lastSeq={live.lastSeq}
            event={events.find((event) => event.seq === seq)}
            running={!live.finishedAt}
            loading={traveling}
            onChange={travelTo}
          />
          <div className="sl-run__history">
            <div className="sl-run__history-head">
              <h2>History</h2>
              <span className="sl-muted sl-small">
                {events.length} event{events.length === 1 ? '' : 's'} · click one to show its step, or the clock to travel there
              </span>
            </div>
            {history.error ? (
              <div className="sl-alert">{errorMessage(history.error)}</div>
            ) : (
              <RunTimeline events={events} startedAt={live.startedAt} asOf={seq} selectedNodeId={selected} onSelectNode={selectNode} onTravel={travelTo} />
            )}
          </div>
        </div>
        <aside className="sl-run__side" aria-label="Step">
          <StepPanel run={shown} node={node} nodeId={selected} live={atEnd} retrying={retry.isPending} onRetry={() => retry.mutate()} />
        </aside>
      </div>
      <Toast toast={toast} />
    </div>
  );
}
