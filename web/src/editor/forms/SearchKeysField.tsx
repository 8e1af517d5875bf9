import type { SearchKey } from '@sluice/contracts';
import { SEARCH_KEY_LIMITS, SEARCH_KEY_NAME, searchValues } from '@sluice/engine/browser';
import { useId } from 'react';
import { Field } from './Field';
import { useExpressionPreview, type PreviewState } from './useExpressionPreview';
import { useNodeField, useReadOnly } from './useNodeField';

const NO_KEYS: SearchKey[] = [];

/**
 * An entry node's search keys (docs/flow-model.md#search-keys): each a name
 * and a JSONata expression over the payload, previewed live against the
 * sample event as the value the run would index. The graph validation names
 * the node for anything the checks here do not cover.
 */
export function SearchKeysField({ nodeId }: { nodeId: string }) {
  const [stored, setKeys] = useNodeField<SearchKey[]>(nodeId, 'searchKeys');
  const readOnly = useReadOnly();
  const keys = Array.isArray(stored) ? stored : NO_KEYS;
  const write = (next: SearchKey[]): void => setKeys(next.length === 0 ? undefined : next);
  const change = (index: number, patch: Partial<SearchKey>): void => write(keys.map((key, i) => (i === index ? { ...key, ...patch } : key)));
  const full = keys.length >= SEARCH_KEY_LIMITS.maxKeys;
  return (
    <Field
      label="Search keys"
      hint={
        <>
          Find runs by these values in the runs list (<code>name=value</code>). Expressions read the payload itself: <code>customer.email</code>. Up to{' '}
          {SEARCH_KEY_LIMITS.maxKeys}.
        </>
      }
    >
      <div className="sl-search-keys" data-testid="search-keys">
        {keys.map((key, index) => (
          <SearchKeyRow
            key={index}
            index={index}
            searchKey={key}
            duplicate={keys.findIndex((other) => other.name === key.name) !== index}
            readOnly={readOnly}
            onChange={(patch) => change(index, patch)}
            onRemove={() => write(keys.filter((_, i) => i !== index))}
          />
        ))}
        {!readOnly && (
          <button
            type="button"
            className="sl-link"
            data-testid="add-search-key"
            disabled={full}
            title={full ? `A flow has at most ${SEARCH_KEY_LIMITS.maxKeys} search keys` : undefined}
            onClick={() => write([...keys, { name: '', expression: '' }])}
          >
            + Add search key
          </button>
        )}
      </div>
    </Field>
  );
}

function SearchKeyRow({ index, searchKey, duplicate, readOnly, onChange, onRemove }: {
  index: number;
  searchKey: SearchKey;
  duplicate: boolean;
  readOnly: boolean;
  onChange: (patch: Partial<SearchKey>) => void;
  onRemove: () => void;
}) {
  const name = typeof searchKey.name === 'string' ? searchKey.name : '';
  const expression = typeof searchKey.expression === 'string' ? searchKey.expression : '';
  const preview = useExpressionPreview(expression, 'payload');
  const id = useId();
  const nameProblem =
    name === '' ? undefined
    : !SEARCH_KEY_NAME.test(name) ? 'Letters, digits and _, not starting with a digit; at most 64'
    : duplicate ? 'Another search key has this name'
    : undefined;
  return (
    <div className="sl-search-key" data-testid={`search-key-${index}`}>
      <div className="sl-kv__row">
        <input
          id={id}
          className={`sl-input sl-input--mono${nameProblem ? ' is-invalid' : ''}`}
          aria-label="Search key name"
          data-testid="search-key-name"
          value={name}
          placeholder="orderId"
          disabled={readOnly}
          spellCheck={false}
          onChange={(event) => onChange({ name: event.target.value })}
        />
        <button type="button" className="sl-icon-btn" aria-label="Remove search key" data-testid="remove-search-key" disabled={readOnly} onClick={onRemove}>
          ×
        </button>
      </div>
      {nameProblem && <div className="sl-field__error">{nameProblem}</div>}
      <textarea
        className="sl-input sl-input--mono sl-textarea"
        aria-label="Search key expression"
        data-testid="search-key-expression"
        rows={2}
        value={expression}
        placeholder="orderId"
        disabled={readOnly}
        spellCheck={false}
        onChange={(event) => onChange({ expression: event.target.value })}
      />
      <div className={`sl-preview sl-preview--${preview.kind}`} data-testid="search-key-preview">
        <div className="sl-preview__head">
          <span>Indexed for the sample event</span>
        </div>
        <pre className="sl-preview__body">{describe(preview)}</pre>
      </div>
    </div>
  );
}

/** The values the engine would index for the sample event, or why there are none. */
function describe(preview: PreviewState): string {
  switch (preview.kind) {
    case 'empty':
      return 'Type an expression over the payload.';
    case 'pending':
      return 'Evaluating…';
    case 'sample-invalid':
      return `The sample event is not valid JSON: ${preview.error}`;
    case 'error':
      return `${preview.error}\n(a run whose key fails still starts; it is just not indexed by this key)`;
    case 'ok': {
      const values = searchValues(preview.value);
      return values.length > 0
        ? values.map((value) => JSON.stringify(value)).join(', ')
        : 'nothing: the result is not a string, number or boolean (or an array of them) of at most 256 characters';
    }
  }
}
