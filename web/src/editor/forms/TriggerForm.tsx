import { useEffect, useId, useState } from 'react';
import { Field } from './Field';
import { SearchKeysField } from './SearchKeysField';
import { useNodeField, useReadOnly } from './useNodeField';

/** `trigger`: an optional JSON Schema every payload must satisfy, and the flow's search keys. */
export function TriggerForm({ nodeId }: { nodeId: string }) {
  const [schema, setSchema] = useNodeField<Record<string, unknown>>(nodeId, 'schema');
  const readOnly = useReadOnly();
  const [text, setText] = useState(() => (schema ? JSON.stringify(schema, null, 2) : ''));
  const [error, setError] = useState<string>();
  const id = useId();

  useEffect(() => {
    setText(schema ? JSON.stringify(schema, null, 2) : '');
    // Only when another node is selected; typing keeps the text as typed.
  }, [nodeId]);

  const commit = (next: string): void => {
    setText(next);
    if (next.trim() === '') {
      setError(undefined);
      return setSchema(undefined);
    }
    try {
      const parsed: unknown = JSON.parse(next);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('A JSON Schema is an object');
      setError(undefined);
      setSchema(parsed as Record<string, unknown>);
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
    }
  };

  return (
    <>
      <div className="sl-callout">
        Runs start with <code>POST /api/flows/:id/events</code>; the body is the event payload.
      </div>
      <Field label="Payload schema (optional)" htmlFor={id} error={error} hint="JSON Schema; payloads that fail it are rejected with 400.">
        <textarea
          id={id}
          className="sl-input sl-input--mono sl-textarea"
          rows={6}
          value={text}
          disabled={readOnly}
          spellCheck={false}
          placeholder={'{ "type": "object", "required": ["orderId"] }'}
          onChange={(event) => commit(event.target.value)}
        />
      </Field>
      <SearchKeysField nodeId={nodeId} />
    </>
  );
}
