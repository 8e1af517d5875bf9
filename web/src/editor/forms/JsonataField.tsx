import { useId } from 'react';
import { Field } from './Field';
import { useExpressionPreview } from './useExpressionPreview';
import { useNodeField, useReadOnly } from './useNodeField';

/** A JSONata field with its result shown live against the sample event. */
export function JsonataField({ nodeId, field, label, placeholder, hint, describe, required }: {
  nodeId: string;
  field: string;
  label: string;
  placeholder?: string;
  hint?: string;
  /** Turns a successful result into a short verdict, e.g. "→ yes". */
  describe?: (value: unknown) => string;
  required?: boolean;
}) {
  const [value, setValue] = useNodeField<string>(nodeId, field);
  const readOnly = useReadOnly();
  const preview = useExpressionPreview(typeof value === 'string' ? value : undefined);
  const id = useId();
  return (
    <Field label={label} hint={hint} htmlFor={id}>
      <textarea
        id={id}
        className="sl-input sl-input--mono sl-textarea"
        data-testid={`field-${field}`}
        rows={3}
        value={typeof value === 'string' ? value : ''}
        placeholder={placeholder}
        disabled={readOnly}
        spellCheck={false}
        onChange={(event) => setValue(event.target.value === '' && !required ? undefined : event.target.value)}
      />
      <div className={`sl-preview sl-preview--${preview.kind}`} data-testid={`preview-${field}`}>
        <div className="sl-preview__head">
          <span>Result against sample event</span>
          {preview.kind === 'ok' && describe && <span className="sl-preview__verdict">{describe(preview.value)}</span>}
        </div>
        <pre className="sl-preview__body">{renderPreview(preview)}</pre>
      </div>
    </Field>
  );
}

function renderPreview(preview: ReturnType<typeof useExpressionPreview>): string {
  switch (preview.kind) {
    case 'empty':
      return 'Type an expression to see its result.';
    case 'pending':
      return 'Evaluating…';
    case 'sample-invalid':
      return `The sample event is not valid JSON: ${preview.error}`;
    case 'error':
      return preview.error;
    case 'ok':
      return preview.value === undefined ? 'undefined (no match)' : JSON.stringify(preview.value, null, 2);
    default:
      return '';
  }
}
