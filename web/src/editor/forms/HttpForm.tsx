import type { HttpMethod } from '@sluice/contracts';
import { HTTP_METHODS } from '@sluice/engine/browser';
import { useId } from 'react';
import { Field } from './Field';
import { JsonataField } from './JsonataField';
import { NumberField } from './NumberField';
import { TextField } from './TextField';
import { useNodeField, useReadOnly } from './useNodeField';

/** `http`: method, URL, headers, JSONata body and per-attempt timeout. */
export function HttpForm({ nodeId }: { nodeId: string }) {
  const [method, setMethod] = useNodeField<HttpMethod>(nodeId, 'method');
  const readOnly = useReadOnly();
  const id = useId();
  return (
    <>
      <div className="sl-row">
        <Field label="Method" htmlFor={id}>
          <select id={id} className="sl-input sl-select" data-testid="field-method" value={method ?? ''} disabled={readOnly} onChange={(event) => setMethod(event.target.value as HttpMethod)}>
            <option value="" disabled>
              —
            </option>
            {HTTP_METHODS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </Field>
        <div className="sl-grow">
          <TextField nodeId={nodeId} field="url" label="URL" placeholder="https://api.example.com/orders" mono keepEmpty />
        </div>
      </div>
      <HeadersField nodeId={nodeId} />
      <JsonataField nodeId={nodeId} field="body" label="Body (JSONata, optional)" placeholder="event" hint="Sent as JSON; leave empty for no body." />
      <NumberField nodeId={nodeId} field="timeoutMs" label="Timeout per attempt" unit="ms" placeholder="10000" min={1} step={500} />
    </>
  );
}

function HeadersField({ nodeId }: { nodeId: string }) {
  const [headers, setHeaders] = useNodeField<Record<string, string>>(nodeId, 'headers');
  const readOnly = useReadOnly();
  const rows = Object.entries(headers ?? {});
  const write = (next: [string, string][]): void => setHeaders(next.length === 0 ? undefined : Object.fromEntries(next));
  return (
    <Field label="Headers">
      <div className="sl-kv">
        {rows.map(([name, value], index) => (
          <div className="sl-kv__row" key={index}>
            <input
              className="sl-input sl-input--mono"
              value={name}
              placeholder="name"
              disabled={readOnly}
              onChange={(event) => write(rows.map((row, i) => (i === index ? [event.target.value, row[1]] : row)))}
            />
            <input
              className="sl-input sl-input--mono"
              value={value}
              placeholder="value"
              disabled={readOnly}
              onChange={(event) => write(rows.map((row, i) => (i === index ? [row[0], event.target.value] : row)))}
            />
            <button type="button" className="sl-icon-btn" aria-label="Remove header" disabled={readOnly} onClick={() => write(rows.filter((_, i) => i !== index))}>
              ×
            </button>
          </div>
        ))}
        {!readOnly && (
          <button type="button" className="sl-link" onClick={() => write([...rows, [rows.some(([name]) => name === '') ? `x-header-${rows.length}` : '', '']])}>
            + Add header
          </button>
        )}
      </div>
    </Field>
  );
}
