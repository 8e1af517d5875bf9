import { useId, useMemo } from 'react';
import { Field } from '../forms/Field';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';

/** The editable sample event JSONata previews run against (also the default test event). */
export function SampleEventField() {
  const text = useEditorStore((state) => state.sampleEvent);
  const store = useEditorStoreApi();
  const id = useId();
  const error = useMemo(() => {
    try {
      JSON.parse(text);
      return undefined;
    } catch (problem) {
      return problem instanceof Error ? problem.message : String(problem);
    }
  }, [text]);
  return (
    <Field label="Sample event" htmlFor={id} error={error} hint="JSONata previews evaluate against { event: this, steps: outputs of the run shown }.">
      <textarea
        id={id}
        className="sl-input sl-input--mono sl-textarea"
        data-testid="sample-event"
        rows={6}
        spellCheck={false}
        value={text}
        onChange={(event) => store.getState().setSampleEvent(event.target.value)}
      />
    </Field>
  );
}
