import { Link } from 'react-router-dom';
import './monitor.css';

/* Cells the retries and dead-letters tables share: where a step is, its attempts, its error. */

/** Flow, run and node of a step, each a link. */
export function StepCell({ flowId, flowName, nodeLabel, runId, nodeId }: { flowId: string; flowName: string | undefined; nodeLabel: string | undefined; runId: string; nodeId: string }) {
  return (
    <div className="sl-step-cell">
      <Link className="sl-step-cell__node" to={`/runs/${runId}?node=${encodeURIComponent(nodeId)}`} title="Show this step in its run">
        {nodeLabel ?? nodeId}
        {nodeLabel && <span className="sl-step-cell__id">{nodeId}</span>}
      </Link>
      <div className="sl-step-cell__where sl-small">
        <Link to={`/flows/${flowId}`}>{flowName ?? `flow ${flowId.slice(0, 8)}`}</Link>
        <span aria-hidden> · </span>
        <Link className="sl-mono" to={`/runs/${runId}`}>
          run {runId.slice(0, 8)}
        </Link>
      </div>
    </div>
  );
}

/** "attempt 2 of 5" with one pip per attempt. */
export function AttemptMeter({ attempt, max, done }: { attempt: number; max: number; done?: boolean }) {
  const pips = Math.min(max, 10);
  return (
    <div className="sl-attempts" title={`Attempt ${attempt} of ${max}`}>
      <span className="sl-attempts__text">
        {done ? `${attempt} attempt${attempt === 1 ? '' : 's'}` : `attempt ${attempt} of ${max}`}
      </span>
      <span className="sl-attempts__pips" aria-hidden>
        {Array.from({ length: pips }, (_, index) => (
          <span key={index} className={`sl-attempts__pip${index < attempt - (done ? 0 : 1) ? ' is-used' : index === attempt - 1 ? ' is-next' : ''}`} />
        ))}
      </span>
    </div>
  );
}

/** An error's code (and HTTP status) as chips, with its message. */
export function ErrorSummary({ error }: { error: { code: string; message: string; status?: number } }) {
  return (
    <div className="sl-error-summary">
      <span className="sl-code-chip">{error.code}</span>
      {error.status !== undefined && <span className="sl-code-chip">HTTP {error.status}</span>}
      <span className="sl-error-summary__message" title={error.message}>
        {error.message}
      </span>
    </div>
  );
}
