import { Link } from 'react-router-dom';
import { formatDuration } from '../../format/durations';
import { Countdown } from '../nodes/Countdown';
import { statusToVariant } from '../lib/statusToVariant';
import { useRunStatusStore } from '../store/RunStatusStoreContext';

/** The selected node's step in the run on display: status, attempts, error, output. */
export function StepDetails({ nodeId }: { nodeId: string }) {
  const runId = useRunStatusStore((state) => state.run?.id);
  const step = useRunStatusStore((state) => state.run?.steps.find((candidate) => candidate.nodeId === nodeId));
  const status = useRunStatusStore((state) => state.byNode[nodeId]);
  if (!runId) return null;
  const variant = statusToVariant(status?.display ?? 'idle');
  return (
    <section className="sl-section">
      <div className="sl-section__title">
        Latest run
        <Link className="sl-link sl-section__aside" to={`/runs/${runId}`}>
          Open run →
        </Link>
      </div>
      <div className="sl-step">
        <span className={`sl-badge tone-${variant.tone}`}>{variant.label}</span>
        {step && (
          <span className="sl-muted">
            {step.attempts} attempt{step.attempts === 1 ? '' : 's'}
            {step.maxAttempts ? ` of ${step.maxAttempts}` : ''}
            {step.durationMs !== undefined ? ` · last ${formatDuration(step.durationMs)}` : ''}
          </span>
        )}
      </div>
      {step?.status === 'retrying' && step.dueAt && (
        <div className="sl-muted">
          Next attempt <Countdown to={step.dueAt} />
        </div>
      )}
      {step?.error && (
        <div className="sl-step__error">
          <b>{step.error.code}</b> {step.error.message}
        </div>
      )}
      {step?.output !== undefined && <pre className="sl-code">{JSON.stringify(step.output, null, 2)}</pre>}
    </section>
  );
}
