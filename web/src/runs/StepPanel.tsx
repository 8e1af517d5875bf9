import type { FlowNode, RunState } from '@sluice/contracts';
import { Link } from 'react-router-dom';
import { applyRunStatus } from '../editor/lib/applyRunStatus';
import { nodeKind } from '../editor/lib/nodeCatalog';
import { statusToVariant } from '../editor/lib/statusToVariant';
import { Countdown } from '../editor/nodes/Countdown';
import { NodeIcon } from '../editor/nodes/NodeIcon';
import { formatDuration } from '../format/durations';
import { formatClock } from '../format/timestamps';
import { canRetryNow, stepInput } from './lib/runStep';
import { JsonBlock } from './JsonBlock';

export interface StepPanelProps {
  /** The run as shown (live, or as of a seq). */
  run: RunState;
  node: FlowNode | undefined;
  nodeId: string | undefined;
  /** True when `run` is the latest state, so actions apply to what is shown. */
  live: boolean;
  retrying: boolean;
  onRetry: () => void;
}

/** The selected node's step: status, attempts, timing, input, output, last error, and "Retry now". */
export function StepPanel({ run, node, nodeId, live, retrying, onRetry }: StepPanelProps) {
  if (!nodeId) {
    return (
      <div className="sl-step-panel sl-step-panel--empty" data-testid="step-panel">
        <p className="sl-muted">Select a node on the graph or an event in the timeline to see its step.</p>
      </div>
    );
  }
  const kind = nodeKind(node?.type);
  const step = run.steps.find((candidate) => candidate.nodeId === nodeId);
  const display = applyRunStatus([{ id: nodeId, type: node?.type }], run.steps)[nodeId];
  const variant = statusToVariant(display?.display ?? 'idle');
  const label = typeof node?.data['label'] === 'string' && node.data['label'] !== '' ? node.data['label'] : (kind?.title ?? nodeId);
  const input = stepInput(run, nodeId);
  const retryable = live && canRetryNow(step);

  return (
    <div className="sl-step-panel" data-testid="step-panel" data-node-id={nodeId} data-status={step?.status ?? 'idle'}>
      <header className={`sl-step-panel__head sl-node--${(kind?.group ?? 'finish').toLowerCase()}`}>
        <span className="sl-step-panel__icon">{kind && <NodeIcon name={kind.icon} />}</span>
        <div className="sl-step-panel__titles">
          <div className="sl-step-panel__name">{label}</div>
          <div className="sl-step-panel__id">
            {nodeId} · {kind?.title ?? node?.type ?? 'unknown type'}
          </div>
        </div>
        <span className={`sl-badge tone-${variant.tone}`} data-testid="step-status">
          {variant.label}
        </span>
      </header>

      {!step ? (
        <div className="sl-step-panel__idle">
          {live ? 'This node has not run in this run.' : `This node had not run yet as of seq ${run.lastSeq}.`}
        </div>
      ) : (
        <>
          <dl className="sl-step-facts">
            <div>
              <dt>Attempts</dt>
              <dd data-testid="step-attempts">
                {step.attempts}
                {step.maxAttempts ? ` of ${step.maxAttempts}` : ''}
              </dd>
            </div>
            <div>
              <dt>Last attempt</dt>
              <dd>{step.durationMs === undefined ? '—' : formatDuration(step.durationMs)}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{step.startedAt ? formatClock(step.startedAt) : '—'}</dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{step.finishedAt ? formatClock(step.finishedAt) : '—'}</dd>
            </div>
          </dl>

          {step.status === 'retrying' && step.dueAt && (
            <div className="sl-step-panel__next">
              Attempt {step.pendingAttempt ?? step.attempts + 1}
              {step.maxAttempts ? ` of ${step.maxAttempts}` : ''} {live ? <Countdown to={step.dueAt} /> : `due ${formatClock(step.dueAt)}`}
            </div>
          )}

          {retryable && (
            <div className="sl-step-panel__action">
              <button type="button" className="sl-btn sl-btn--primary sl-btn--sm" data-testid="retry-now" disabled={retrying} onClick={onRetry}>
                {retrying ? 'Retrying…' : 'Retry now'}
              </button>
              <span className="sl-muted sl-small">
                {step.status === 'dead'
                    ? 'Runs the step again with fresh attempts.'
                    : 'Runs the next attempt now instead of waiting.'}
              </span>
            </div>
          )}

          {step.error && (
            <section className="sl-step-section">
              <h3>{step.status === 'succeeded' ? 'Earlier error' : 'Last error'}</h3>
              <div className="sl-error-card" data-testid="step-error">
                <div className="sl-error-card__code">
                  <span className="sl-code-chip">{step.error.code}</span>
                  {step.error.status !== undefined && <span className="sl-code-chip">HTTP {step.error.status}</span>}
                  <span className="sl-muted sl-small">{step.error.retryable ? 'retryable' : 'final'}</span>
                </div>
                <div className="sl-error-card__message">{step.error.message}</div>
              </div>
              {step.deadLetterId && step.status === 'dead' && (
                <Link className="sl-small" to="/dead-letters">
                  In the dead letters →
                </Link>
              )}
            </section>
          )}

          <section className="sl-step-section">
            <h3>
              Input{' '}
              <span className="sl-step-section__aside">
                {input.kind === 'payload' ? 'the event' : input.kind === 'step' || input.kind === 'pending' ? `output of ${input.from}` : ''}
              </span>
            </h3>
            <JsonBlock value={input.kind === 'payload' || input.kind === 'step' ? input.value : undefined} empty="Not known yet" testId="step-input" />
          </section>

          <section className="sl-step-section">
            <h3>Output</h3>
            <JsonBlock value={step.output} empty={step.finishedAt ? 'No output' : 'No output yet'} testId="step-output" />
          </section>
        </>
      )}
    </div>
  );
}
