import { useId, useState } from 'react';
import { Backticked } from './Backticked';

export interface StubFieldsProps {
  /** http nodes whose stub field is shown: new ones first, then those added on request. */
  shown: readonly string[];
  /** http nodes new in the subject, which the recorded runs cannot answer. */
  fresh: readonly string[];
  /** Other http nodes of the subject, offered on request (for a node the recorded runs never reached). */
  others: readonly string[];
  texts: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>> | undefined;
  labels: Readonly<Record<string, string>>;
  onChange: (nodeId: string, text: string) => void;
  onAdd: (nodeId: string) => void;
  onRemove: (nodeId: string) => void;
}

const PLACEHOLDER = '{ "status": 200, "body": { "ok": true } }';

/**
 * One small JSON field per http node the recorded runs cannot answer: what
 * its stub responds (status, headers, body). An empty field sends no stub,
 * and the step fails with `no_recorded_response` in the replay.
 */
export function StubFields({ shown, fresh, others, texts, errors, labels, onChange, onAdd, onRemove }: StubFieldsProps) {
  const [adding, setAdding] = useState('');
  const addable = others.filter((nodeId) => !shown.includes(nodeId));
  return (
    <fieldset className="sl-replay-stubs" data-testid="replay-stubs">
      <legend className="sl-field__label">Stubs for http nodes</legend>
      {shown.length === 0 && <p className="sl-field__hint">Every http node is answered from the recorded responses.</p>}
      {shown.map((nodeId) => (
        <StubField
          key={nodeId}
          nodeId={nodeId}
          label={labels[nodeId]}
          fresh={fresh.includes(nodeId)}
          text={texts[nodeId] ?? ''}
          error={errors?.[nodeId]}
          onChange={onChange}
          onRemove={fresh.includes(nodeId) ? undefined : onRemove}
        />
      ))}
      {addable.length > 0 && (
        <div className="sl-replay-stubs__add">
          <select aria-label="Stub another http node" className="sl-input sl-select" value={adding} data-testid="replay-stub-add" onChange={(event) => setAdding(event.target.value)}>
            <option value="">Stub another http node…</option>
            {addable.map((nodeId) => (
              <option key={nodeId} value={nodeId}>
                {labels[nodeId] ? `${labels[nodeId]} (${nodeId})` : nodeId}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="sl-btn sl-btn--sm"
            disabled={adding === ''}
            onClick={() => {
              onAdd(adding);
              setAdding('');
            }}
          >
            Add
          </button>
        </div>
      )}
    </fieldset>
  );
}

function StubField({ nodeId, label, fresh, text, error, onChange, onRemove }: {
  nodeId: string;
  label: string | undefined;
  fresh: boolean;
  text: string;
  error: string | undefined;
  onChange: (nodeId: string, text: string) => void;
  onRemove: ((nodeId: string) => void) | undefined;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={`sl-field sl-replay-stub${error ? ' has-error' : ''}`} data-testid="replay-stub" data-node-id={nodeId}>
      <div className="sl-replay-stub__head">
        <label className="sl-field__label" htmlFor={id}>
          {label ?? nodeId} <span className="sl-replay-stub__id">{nodeId}</span>
        </label>
        {onRemove && (
          <button type="button" className="sl-link sl-link--muted" onClick={() => onRemove(nodeId)} aria-label={`Remove the stub of ${nodeId}`}>
            Remove
          </button>
        )}
      </div>
      <textarea
        id={id}
        className="sl-input sl-input--mono sl-textarea"
        rows={2}
        spellCheck={false}
        placeholder={PLACEHOLDER}
        value={text}
        aria-describedby={hintId}
        aria-invalid={error ? true : undefined}
        onChange={(event) => onChange(nodeId, event.target.value)}
      />
      <div id={hintId} className={error ? 'sl-field__error' : 'sl-field__hint'}>
        {error ?? <Backticked text={fresh ? 'New in this graph: no recorded response. Empty fails it with `no_recorded_response`.' : 'Answers where the recorded run has no response for this node.'} />}
      </div>
    </div>
  );
}
