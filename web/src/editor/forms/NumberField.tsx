import { useId } from 'react';
import { Field } from './Field';
import { useNodeField, useReadOnly } from './useNodeField';

/** A number field bound to `data[field]`; empty removes the key (the engine default applies). */
export function NumberField({ nodeId, field, label, placeholder, hint, unit, min, step }: {
  nodeId: string;
  field: string;
  label: string;
  placeholder?: string;
  hint?: string;
  unit?: string;
  min?: number;
  step?: number;
}) {
  const [value, setValue] = useNodeField<number>(nodeId, field);
  const readOnly = useReadOnly();
  const id = useId();
  return (
    <Field label={label} hint={hint} htmlFor={id}>
      <div className="sl-input-group">
        <input
          id={id}
          type="number"
          className="sl-input"
          data-testid={`field-${field}`}
          value={typeof value === 'number' ? value : ''}
          placeholder={placeholder}
          min={min}
          step={step}
          disabled={readOnly}
          onChange={(event) => setValue(event.target.value === '' ? undefined : Number(event.target.value))}
        />
        {unit && <span className="sl-input-unit">{unit}</span>}
      </div>
    </Field>
  );
}
