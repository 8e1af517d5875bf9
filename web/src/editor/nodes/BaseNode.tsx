import type { NodeType } from '@sluice/contracts';
import { Handle, Position } from '@xyflow/react';
import type { CSSProperties, ReactNode } from 'react';
import { formatDuration } from '../../format/durations';
import { useOptionalEditorStore } from '../store/EditorStoreContext';
import { useFrozenAt, useNodeRunStatus } from '../store/RunStatusStoreContext';
import type { NodeRunStatus } from '../lib/applyRunStatus';
import type { NodeBottleneck } from '../lib/bottleneckStats';
import { NODE_KINDS } from '../lib/nodeCatalog';
import { statusToVariant } from '../lib/statusToVariant';
import { ReplayNodeBadge } from '../replay/ReplayNodeBadge';
import { LiveNodeBadge } from '../live/LiveNodeBadge';
import { useLiveNodeMark } from '../live/store/LiveStoreContext';
import { Countdown } from './Countdown';
import { NodeIcon } from './NodeIcon';
import './BaseNode.css';

export interface BaseNodeProps {
  id: string;
  type: NodeType;
  selected: boolean;
  label: unknown;
  /** One line describing the node's configuration (url, condition, topic …). */
  summary?: ReactNode;
}

const EMPTY: string[] = [];
/** Vertical space per output handle and the body's minimum height, in px: handles sit at fixed offsets so they never move when banners appear below. */
const HANDLE_PITCH = 24;
const BODY_MIN_HEIGHT = 64;

function bodyHeight(outputs: number): number {
  return Math.max(BODY_MIN_HEIGHT, outputs * HANDLE_PITCH + 16);
}

/**
 * The shared shell of every node kind: icon, title, summary, handles, and the
 * overlays it selects for itself by id — validation errors and warnings, the
 * run status (data-status, docs/editor.md), the bottleneck heat, the replay
 * counts and the live figures (data-bottleneck on the live view's bottleneck).
 */
export function BaseNode({ id, type, selected, label, summary }: BaseNodeProps) {
  const kind = NODE_KINDS[type];
  const status = useNodeRunStatus(id);
  const errors = useOptionalEditorStore((state) => state.validation.byNode[id] ?? EMPTY, EMPTY);
  const warnings = useOptionalEditorStore((state) => state.validation.warningsByNode[id] ?? EMPTY, EMPTY);
  const stale = useOptionalEditorStore(
    (state) => state.validation.stale && (state.validation.byNode[id] !== undefined || state.validation.warningsByNode[id] !== undefined),
    false,
  );
  const heat = useOptionalEditorStore((state) => state.bottleneck?.byNode[id], undefined);
  const heatOn = useOptionalEditorStore((state) => state.bottleneck !== null, false);
  const live = useLiveNodeMark(id);
  const variant = statusToVariant(status?.display ?? 'idle');
  const title = typeof label === 'string' && label.trim() !== '' ? label : kind.title;
  const height = bodyHeight(kind.outputs.length);

  const classes = ['sl-node', `sl-node--${kind.group.toLowerCase()}`, `tone-${variant.tone}`];
  if (selected) classes.push('is-selected');
  if (errors.length > 0) classes.push('has-errors');
  else if (warnings.length > 0) classes.push('has-warnings');
  if (stale) classes.push('is-stale');
  if (heatOn) classes.push('is-heat');
  if (live?.bottleneck) classes.push('is-live-bottleneck');

  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${id}`}
      data-status={status?.status ?? 'idle'}
      data-display={status?.display ?? 'idle'}
      data-bottleneck={live?.bottleneck ? 'true' : undefined}
      style={{ '--body-h': `${height}px`, ...(heatOn ? { '--heat': heat ? heat.heat : 0 } : {}) } as CSSProperties}
    >
      {!kind.entry && <Handle type="target" position={Position.Left} className="sl-handle sl-handle--in" style={{ top: height / 2 }} />}
      {status && <StatusPill status={status} />}
      <ReplayNodeBadge id={id} />
      {live && <LiveNodeBadge id={id} mark={live} />}
      <div className="sl-node__body">
        <div className="sl-node__icon">
          <NodeIcon name={kind.icon} />
        </div>
        <div className="sl-node__text">
          <div className="sl-node__title">{title}</div>
          <div className="sl-node__summary">{summary ?? kind.description}</div>
        </div>
      </div>
      {status && <RunFootnote status={status} />}
      {heatOn && <HeatStrip id={id} stats={heat} />}
      {errors.length > 0 && (
        <div className="sl-node__invalid" role="alert" title={stale ? `Re-checking…\n${errors.join('\n')}` : errors.join('\n')} data-stale={stale || undefined}>
          <span className="sl-node__invalid-badge">{errors.length}</span>
          {shortMessage(errors[0] ?? '')}
        </div>
      )}
      {warnings.length > 0 && <WarningStrip warnings={warnings} stale={stale} />}
      <Outputs type={type} />
    </div>
  );
}

/** Amber strip for validation warnings: the node saves and runs, but the warning names a hazard (docs/editor.md, validation). */
function WarningStrip({ warnings, stale }: { warnings: string[]; stale: boolean }) {
  const messages = warnings.map(shortMessage);
  const title = `${warnings.length === 1 ? 'Warning' : `${warnings.length} warnings`} (won't block saving):\n${messages.join('\n')}`;
  return (
    <div className="sl-node__warning" role="status" data-testid="node-warning" data-stale={stale || undefined} title={stale ? `Re-checking…\n${title}` : title}>
      <span className="sl-node__warning-badge" aria-label={`${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}`}>
        {warnings.length}
      </span>
      <span className="sl-node__warning-text">{messages[0]}</span>
    </div>
  );
}

function Outputs({ type }: { type: NodeType }) {
  const outputs = NODE_KINDS[type].outputs;
  const height = bodyHeight(outputs.length);
  if (outputs.length === 0) return null;
  if (outputs.length === 1) return <Handle type="source" position={Position.Right} className="sl-handle sl-handle--out" style={{ top: height / 2 }} />;
  const first = height / 2 - ((outputs.length - 1) * HANDLE_PITCH) / 2;
  return (
    <>
      {outputs.map((output, index) => {
        const top = first + index * HANDLE_PITCH;
        return (
          <div key={output.id ?? 'default'}>
            <Handle
              type="source"
              id={output.id ?? undefined}
              position={Position.Right}
              className={`sl-handle sl-handle--out sl-handle--${output.tone ?? 'default'}`}
              style={{ top }}
            />
            {output.label && (
              <span className={`sl-handle-label sl-handle-label--${output.tone ?? 'default'}`} style={{ top }}>
                {output.label}
              </span>
            )}
          </div>
        );
      })}
    </>
  );
}

function StatusPill({ status }: { status: NodeRunStatus }) {
  const variant = statusToVariant(status.display);
  const frozenAt = useFrozenAt();
  const max = status.maxAttempts;
  let detail: ReactNode = null;
  if (status.status === 'retrying' && status.dueAt) {
    detail = <Countdown to={status.dueAt} frozenAt={frozenAt} />;
  } else if (status.status === 'running' && status.attempts > 1) {
    detail = `attempt ${status.attempts}${max ? ` of ${max}` : ''}`;
  } else if (status.status === 'scheduled' && status.dueAt) {
    detail = <Countdown to={status.dueAt} frozenAt={frozenAt} />;
  } else if ((status.status === 'succeeded' || status.status === 'dead') && status.durationMs !== undefined && (status.durationMs >= 1 || status.attempts > 1)) {
    detail = status.attempts > 1 ? `${status.attempts} attempts · ${formatDuration(status.durationMs)}` : formatDuration(status.durationMs);
  }
  return (
    <div className={`sl-status-pill tone-${variant.tone}`} data-testid="status-pill">
      <span className="sl-status-dot" />
      <span className="sl-status-label">{variant.label}</span>
      {detail && <span className="sl-status-detail">{detail}</span>}
    </div>
  );
}

/** Attempt counter and last error under the body, for steps that failed at least once. */
function RunFootnote({ status }: { status: NodeRunStatus }) {
  const retrying = status.status === 'retrying';
  if (!status.error || !(retrying || status.status === 'dead' || status.status === 'failed' || status.status === 'running')) return null;
  const attempt = retrying ? (status.pendingAttempt ?? status.attempts + 1) : status.attempts;
  return (
    <div className={`sl-node__error${retrying ? ' is-retrying' : ''}`} data-testid="step-footnote" title={status.error.message}>
      <span className="sl-node__attempt" data-testid="attempt">
        {retrying ? 'next: ' : ''}attempt {attempt}
        {status.maxAttempts ? ` of ${status.maxAttempts}` : ''}
      </span>
      <span className="sl-node__error-text">{status.error.message}</span>
    </div>
  );
}

function HeatStrip({ id, stats }: { id: string; stats: NodeBottleneck | undefined }) {
  if (!stats) return <div className="sl-heat sl-heat--none">no runs in window</div>;
  return (
    <div className="sl-heat" data-testid={`heat-${id}`} title="Over the last runs: steps, failure rate, extra attempts, median and 95th percentile duration">
      <span data-stat="count"><b>{stats.count}</b> {stats.count === 1 ? 'step' : 'steps'}</span>
      <span data-stat="failure-rate"><b>{Math.round(stats.failureRate * 100)}%</b> failed</span>
      <span data-stat="retries"><b>{stats.retries}</b> {stats.retries === 1 ? 'retry' : 'retries'}</span>
      <span data-stat="p50">p50 <b>{stats.p50Ms === null ? '—' : formatDuration(stats.p50Ms)}</b></span>
      <span data-stat="p95">p95 <b>{stats.p95Ms === null ? '—' : formatDuration(stats.p95Ms)}</b></span>
    </div>
  );
}

/** Drops the `Node "id" (type) ` prefix validation puts on every message; the node already says who it is. */
export function shortMessage(message: string): string {
  return message.replace(/^Node "[^"]*" \([^)]*\) /, '').replace(/^Edge "[^"]*" /, '');
}
