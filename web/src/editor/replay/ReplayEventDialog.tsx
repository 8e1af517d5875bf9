import type { ReplayDto, ReplayEventDetail, ReplayNodeResult } from '@sluice/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../api/ApiError';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { formatDateTime } from '../../format/timestamps';
import { RunStatusBadge } from '../../runs/RunStatusBadge';
import { statusToVariant } from '../lib/statusToVariant';
import { CollapsibleJson } from './CollapsibleJson';
import { eventChanges } from './lib/replayEvents';
import { handleName } from './lib/replaySentences';
import { pathDiff, sideBySideRows, type PathStep } from './lib/sideBySide';
import { useNodeLabels } from './useNodeLabels';

/**
 * One replayed event side by side (`GET /api/replays/:id/events/:runId`):
 * the original run and the replayed run, node by node with status and
 * output, the path each took, and what the replay would have published or
 * waited for (recorded only). A modal dialog: Tab stays inside, Escape closes
 * it, and focus returns to the row that opened it.
 */
export function ReplayEventDialog({ replay, runId, onClose }: { replay: ReplayDto; runId: string; onClose: () => void }) {
  const detail = useQuery({
    queryKey: queryKeys.replayEvent(replay.id, runId),
    queryFn: () => api.replayEvent(replay.id, runId),
    staleTime: Infinity,
  });
  const dialog = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    close.current?.focus();
    return () => opener?.focus();
  }, []);

  // Keys stay in the dialog: the canvas's own keys (Delete removes the selected node) must not act behind it.
  const onKeyDown = (event: KeyboardEvent): void => {
    event.stopPropagation();
    if (event.key === 'Escape') onClose();
    if (event.key === 'Tab') keepFocusInside(event, dialog.current);
  };
  const subject = 'version' in replay.subject ? `v${replay.subject.version}` : 'draft';

  return (
    <div className="sl-modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={dialog}
        className="sl-modal sl-replay-dialog"
        role="dialog"
        aria-modal
        aria-labelledby="replay-event-title"
        data-testid="replay-event-dialog"
        data-run-id={runId}
        onKeyDown={onKeyDown}
      >
        <header className="sl-replay-dialog__head">
          <div>
            <h2 id="replay-event-title">
              Event of run <span className="sl-mono">{runId.slice(0, 8)}</span>
            </h2>
            {detail.data && <EventFacts detail={detail.data} />}
          </div>
          <Link className="sl-btn sl-btn--sm" to={`/runs/${runId}`} data-testid="replay-original-run-link">
            Open the original run →
          </Link>
          <button ref={close} type="button" className="sl-icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="sl-replay-dialog__body">
          {detail.isPending && <p className="sl-muted">Loading both runs…</p>}
          {detail.error && (
            <div className="sl-replay-alert" role="alert">
              {errorMessage(detail.error)}
            </div>
          )}
          {detail.data && <SideBySide replay={replay} detail={detail.data} subject={subject} />}
        </div>
      </div>
    </div>
  );
}

function EventFacts({ detail }: { detail: ReplayEventDetail }) {
  const changes = eventChanges(detail);
  return (
    <p className="sl-replay-dialog__facts sl-muted">
      started {formatDateTime(detail.startedAt)} · recorded on v{detail.flowVersion} · {changes.length > 0 ? changes.join(' · ') : 'unchanged'}
    </p>
  );
}

function SideBySide({ replay, detail, subject }: { replay: ReplayDto; detail: ReplayEventDetail; subject: string }) {
  const labels = useNodeLabels();
  const rows = sideBySideRows(detail, replay.nodes.map((node) => node.nodeId));
  const paths = pathDiff(detail.original.path, detail.replayed.path);
  const edges = new Map(replay.edges.map((edge) => [edge.edgeId, edge]));
  const name = (nodeId: string): string => labels[nodeId] ?? nodeId;
  const describeEdge = (edgeId: string): ReactNode => {
    const edge = edges.get(edgeId);
    if (!edge) return <span className="sl-mono">{edgeId}</span>;
    return (
      <>
        {name(edge.source)}
        {edge.sourceHandle !== null && <code>{handleName(edge.sourceHandle)}</code>} → {name(edge.target)}
      </>
    );
  };
  const path = (steps: PathStep[], testId: string) =>
    steps.length === 0 ? (
      <span className="sl-muted">no edge taken</span>
    ) : (
      <ol className="sl-replay-path" data-testid={testId}>
        {steps.map((step) => (
          <li key={step.edgeId} className={step.only ? 'is-only' : undefined} data-edge-id={step.edgeId} data-only={step.only || undefined}>
            {describeEdge(step.edgeId)}
          </li>
        ))}
      </ol>
    );

  return (
    <>
      <section className="sl-replay-dialog__payload">
        <h3 className="sl-section__title">Payload</h3>
        <CollapsibleJson value={detail.payload} testId="replay-payload" />
      </section>
      <div className="sl-replay-grid" role="table" aria-label="The original run and the replayed run, node by node">
        <div className="sl-replay-grid__row is-head" role="row">
          <div role="columnheader" />
          <div role="columnheader">Original run · v{detail.flowVersion}</div>
          <div role="columnheader">Replayed · {subject}</div>
        </div>
        <div className={`sl-replay-grid__row${detail.statusBefore !== detail.statusAfter ? ' differs' : ''}`} role="row">
          <div role="rowheader">Ends</div>
          <div role="cell" data-testid="replay-side-original" data-status={detail.original.status}>
            <RunStatusBadge status={detail.original.status} />
          </div>
          <div role="cell" data-testid="replay-side-replayed" data-status={detail.replayed.status}>
            <RunStatusBadge status={detail.replayed.status} />
          </div>
        </div>
        <div className={`sl-replay-grid__row${detail.pathChanged ? ' differs' : ''}`} role="row">
          <div role="rowheader">Path</div>
          <div role="cell">{path(paths.original, 'replay-path-original')}</div>
          <div role="cell">{path(paths.replayed, 'replay-path-replayed')}</div>
        </div>
        {rows.map((row) => (
          <div key={row.nodeId} className={`sl-replay-grid__row${row.differs ? ' differs' : ''}`} role="row" data-testid="replay-node-row" data-node-id={row.nodeId} data-differs={row.differs}>
            <div role="rowheader">
              {name(row.nodeId)}
              {labels[row.nodeId] && <span className="sl-replay-grid__id">{row.nodeId}</span>}
            </div>
            <NodeCell result={row.original} side="original" />
            <NodeCell result={row.replayed} side="replayed" />
          </div>
        ))}
      </div>
      <section className="sl-replay-effects">
        <h3 className="sl-section__title">
          What the replay would have done <span className="sl-section__aside sl-muted">recorded only: nothing was sent</span>
        </h3>
        <div className="sl-replay-effects__grid">
          <div data-testid="replay-publishes">
            <h4>Publishes</h4>
            {detail.replayed.publishes.length === 0 ? (
              <p className="sl-muted sl-small">none</p>
            ) : (
              detail.replayed.publishes.map((publish, index) => (
                <div key={index} className="sl-replay-effect">
                  <div>
                    {name(publish.nodeId)} → topic <code>{publish.topic}</code>
                  </div>
                  <CollapsibleJson value={publish.payload} />
                </div>
              ))
            )}
          </div>
          <div data-testid="replay-delays">
            <h4>Delays</h4>
            {detail.replayed.delays.length === 0 ? (
              <p className="sl-muted sl-small">none</p>
            ) : (
              <ul className="sl-replay-effect__list">
                {detail.replayed.delays.map((delay, index) => (
                  <li key={index}>
                    {name(delay.nodeId)} would wait <b className="sl-tabular">{delay.ms.toLocaleString('en')} ms</b>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      </section>
    </>
  );
}

function NodeCell({ result, side }: { result: ReplayNodeResult | undefined; side: 'original' | 'replayed' }) {
  if (!result) {
    return (
      <div role="cell" className="sl-replay-cell is-absent" data-side={side} data-status="absent">
        not reached
      </div>
    );
  }
  const variant = statusToVariant(result.status);
  return (
    <div role="cell" className="sl-replay-cell" data-side={side} data-status={result.status} data-handle={result.handle ?? undefined}>
      <span className="sl-replay-cell__status">
        <span className={`sl-badge tone-${variant.tone}`}>{variant.label}</span>
        {result.handle !== undefined && result.handle !== null && (
          <span className="sl-small sl-muted">
            left by <code>{result.handle}</code>
          </span>
        )}
      </span>
      {result.error && (
        <span className="sl-replay-cell__error">
          <code>{result.error.code}</code> {result.error.message}
        </span>
      )}
      <CollapsibleJson value={result.output} />
    </div>
  );
}

/** Keeps Tab and Shift+Tab cycling within the dialog. */
function keepFocusInside(event: KeyboardEvent, root: HTMLElement | null): void {
  if (!root) return;
  const focusable = [...root.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), textarea, input, select, [tabindex]:not([tabindex="-1"])')];
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
