import { useId } from 'react';
import { Field } from './Field';
import { useNodeField, useReadOnly } from './useNodeField';

/** A single-line text field bound to `data[field]`; empty removes the key unless `keepEmpty`. */
export function TextField({ nodeId, field, label, placeholder, hint, mono, keepEmpty, error }: {
  nodeId: string;
  field: string;
  label: string;
  placeholder?: string;
  hint?: string;
  mono?: boolean;
  keepEmpty?: boolean;
  error?: string | undefined;
}) {
  const [value, setValue] = useNodeField<string>(nodeId, field);
  const readOnly = useReadOnly();
  const id = useId();
  return (
    <Field label={label} hint={hint} htmlFor={id} error={error}>
      <input
        id={id}
        className={`sl-input${mono ? ' sl-input--mono' : ''}`}
        data-testid={`field-${field}`}
        value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
        placeholder={placeholder}
        disabled={readOnly}
        spellCheck={false}
        onChange={(event) => setValue(event.target.value === '' && !keepEmpty ? undefined : event.target.value)}
      />
    </Field>
  );
}
