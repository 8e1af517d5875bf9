import type { NodeType } from '@sluice/contracts';
import { Handle, Position } from '@xyflow/react';
import type { CSSProperties, ReactNode } from 'react';
import { useOptionalEditorStore } from '../store/EditorStoreContext';
import { useNodeRunStatus } from '../store/RunStatusStoreContext';
import type { NodeRunStatus } from '../lib/applyRunStatus';
import type { NodeBottleneck } from '../lib/bottleneckStats';
import { formatDuration } from '../lib/formatDuration';
import { NODE_KINDS } from '../lib/nodeCatalog';
import { statusToVariant } from '../lib/statusToVariant';
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

/**
 * The shared shell of every node kind: icon, title, summary, handles, and the
 * three overlays it selects for itself by id — validation errors, the run
 * status (data-status, SPEC §7) and the bottleneck heat.
 */
export function BaseNode({ id, type, selected, label, summary }: BaseNodeProps) {
  const kind = NODE_KINDS[type];
  const status = useNodeRunStatus(id);
  const errors = useOptionalEditorStore((state) => state.validation.byNode[id] ?? EMPTY, EMPTY);
  const heat = useOptionalEditorStore((state) => state.bottleneck?.byNode[id], undefined);
  const heatOn = useOptionalEditorStore((state) => state.bottleneck !== null, false);
  const variant = statusToVariant(status?.display ?? 'idle');
  const title = typeof label === 'string' && label.trim() !== '' ? label : kind.title;

  const classes = ['sl-node', `sl-node--${kind.group.toLowerCase()}`, `tone-${variant.tone}`];
  if (selected) classes.push('is-selected');
  if (errors.length > 0) classes.push('has-errors');
  if (heatOn) classes.push('is-heat');

  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${id}`}
      data-status={status?.status ?? 'idle'}
      data-display={status?.display ?? 'idle'}
      style={heatOn ? ({ '--heat': heat ? heat.heat : 0 } as CSSProperties) : undefined}
    >
      {!kind.entry && <Handle type="target" position={Position.Left} className="sl-handle sl-handle--in" />}
      {status && <StatusPill status={status} />}
      <div className="sl-node__body">
        <div className="sl-node__icon">
          <NodeIcon name={kind.icon} />
        </div>
        <div className="sl-node__text">
          <div className="sl-node__title">{title}</div>
          <div className="sl-node__summary">{summary ?? kind.description}</div>
        </div>
      </div>
      {status?.error && (status.status === 'dead' || status.status === 'retrying' || status.status === 'failed') && (
        <div className="sl-node__error" title={status.error.message}>
          {status.error.message}
        </div>
      )}
      {heatOn && <HeatStrip stats={heat} />}
      {errors.length > 0 && (
        <div className="sl-node__invalid" role="alert" title={errors.join('\n')}>
          <span className="sl-node__invalid-badge">{errors.length}</span>
          {shortMessage(errors[0] ?? '')}
        </div>
      )}
      <Outputs type={type} />
    </div>
  );
}

function Outputs({ type }: { type: NodeType }) {
  const outputs = NODE_KINDS[type].outputs;
  if (outputs.length === 0) return null;
  if (outputs.length === 1) return <Handle type="source" position={Position.Right} className="sl-handle sl-handle--out" />;
  return (
    <>
      {outputs.map((output, index) => {
        const top = `${((index + 1) / (outputs.length + 1)) * 100}%`;
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
  const max = status.maxAttempts;
  let detail: ReactNode = null;
  if (status.status === 'retrying' && status.nextRetryAt) {
    const next = status.pendingAttempt ?? status.attempts + 1;
    detail = (
      <>
        <Countdown to={status.nextRetryAt} /> · attempt {next}
        {max ? ` of ${max}` : ''}
      </>
    );
  } else if (status.status === 'running' && status.attempts > 1) {
    detail = `attempt ${status.attempts}${max ? ` of ${max}` : ''}`;
  } else if (status.status === 'scheduled' && status.nextRetryAt) {
    detail = <Countdown to={status.nextRetryAt} />;
  } else if ((status.status === 'succeeded' || status.status === 'dead') && status.durationMs !== undefined) {
    detail = status.attempts > 1 ? `${status.attempts} attempts · ${formatDuration(status.durationMs)}` : formatDuration(status.durationMs);
  }
  return (
    <div className={`sl-status-pill tone-${variant.tone}`} data-testid="node-status-pill">
      <span className="sl-status-dot" />
      <span className="sl-status-label">{variant.label}</span>
      {detail && <span className="sl-status-detail">{detail}</span>}
    </div>
  );
}

function HeatStrip({ stats }: { stats: NodeBottleneck | undefined }) {
  if (!stats) return <div className="sl-heat sl-heat--none">no runs in window</div>;
  return (
    <div className="sl-heat" title="Over the last runs: steps, failure rate, extra attempts, median and 95th percentile duration">
      <span><b>{stats.count}</b> runs</span>
      <span><b>{Math.round(stats.failureRate * 100)}%</b> fail</span>
      <span><b>{stats.retries}</b> retries</span>
      <span>p50 <b>{stats.p50Ms === null ? '—' : formatDuration(stats.p50Ms)}</b></span>
      <span>p95 <b>{stats.p95Ms === null ? '—' : formatDuration(stats.p95Ms)}</b></span>
    </div>
  );
}

/** Drops the `Node "id" (type) ` prefix validation puts on every message; the node already says who it is. */
export function shortMessage(message: string): string {
  return message.replace(/^Node "[^"]*" \([^)]*\) /, '').replace(/^Edge "[^"]*" /, '');
}
