import type { RetryPolicyInput } from '@sluice/contracts';
import { DEFAULT_RETRY_POLICY } from '@sluice/engine/browser';
import { useMemo } from 'react';
import { formatDuration } from '../../format/durations';
import { backoffPreview } from '../lib/backoffPreview';
import { useNodeField, useReadOnly } from './useNodeField';

const FIELDS: { key: keyof RetryPolicyInput; label: string; unit?: string; step?: number }[] = [
  { key: 'maxAttempts', label: 'Max attempts', step: 1 },
  { key: 'initialIntervalMs', label: 'First delay', unit: 'ms', step: 100 },
  { key: 'backoffCoefficient', label: 'Backoff ×', step: 0.5 },
  { key: 'maxIntervalMs', label: 'Max delay', unit: 'ms', step: 1000 },
  { key: 'jitter', label: 'Jitter ±', step: 0.05 },
];

/** The node's `data.retry` (blank fields use the defaults) with a preview of the backoff schedule. */
export function RetryPolicyFields({ nodeId }: { nodeId: string }) {
  const [retry, setRetry] = useNodeField<RetryPolicyInput>(nodeId, 'retry');
  const readOnly = useReadOnly();
  const rows = useMemo(() => backoffPreview(retry), [retry]);

  const setField = (key: keyof RetryPolicyInput, text: string): void => {
    const next: RetryPolicyInput = { ...(retry ?? {}) };
    if (text === '') delete next[key];
    else next[key] = Number(text);
    setRetry(Object.keys(next).length === 0 ? undefined : next);
  };

  return (
    <div className="sl-retry" data-testid="retry-policy">
      <div className="sl-retry__grid">
        {FIELDS.map(({ key, label, unit, step }) => (
          <label key={key} className="sl-retry__cell">
            <span className="sl-field__label">{label}</span>
            <div className="sl-input-group">
              <input
                type="number"
                className="sl-input"
                data-testid={`retry-${key}`}
                value={retry?.[key] ?? ''}
                placeholder={String(DEFAULT_RETRY_POLICY[key])}
                step={step}
                min={0}
                disabled={readOnly}
                onChange={(event) => setField(key, event.target.value)}
              />
              {unit && <span className="sl-input-unit">{unit}</span>}
            </div>
          </label>
        ))}
      </div>
      <div className="sl-backoff" data-testid="backoff-preview">
        <div className="sl-backoff__head">
          <span>Backoff schedule</span>
          {retry && !readOnly && (
            <button type="button" className="sl-link" onClick={() => setRetry(undefined)}>
              Reset to defaults
            </button>
          )}
        </div>
        {rows.length === 0 ? (
          <div className="sl-backoff__empty">One attempt only: a failure is final.</div>
        ) : (
          <table className="sl-backoff__table">
            <thead>
              <tr>
                <th>Attempt</th>
                <th>Waits</th>
                <th>With jitter</th>
                <th>After failure 1</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.attempt}>
                  <td>#{row.attempt}</td>
                  <td>
                    <div className="sl-backoff__bar" style={{ width: `${Math.max(6, (row.delayMs / Math.max(1, rows[rows.length - 1]?.delayMs ?? 1)) * 100)}%` }} />
                    {formatDuration(row.delayMs)}
                  </td>
                  <td className="sl-muted">
                    {formatDuration(row.minMs)}–{formatDuration(row.maxMs)}
                  </td>
                  <td className="sl-muted">{formatDuration(row.elapsedMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="sl-backoff__foot">Then the step follows its error edge, or is dead-lettered.</div>
      </div>
    </div>
  );
}
