import { useState } from 'react';
import { jsonPreview } from './lib/jsonPreview';

/** A JSON value in a code block, collapsed to its first lines when long, with a toggle to show it all. */
export function CollapsibleJson({ value, testId }: { value: unknown; testId?: string }) {
  const [expanded, setExpanded] = useState(false);
  const preview = jsonPreview(value);
  if (value === undefined) return null;
  return (
    <div className="sl-replay-json" data-testid={testId}>
      <pre>{expanded || !preview.long ? preview.text : preview.head}</pre>
      {preview.long && (
        <button type="button" className="sl-link sl-replay-json__toggle" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Collapse' : `Show all ${preview.lines} lines`}
        </button>
      )}
    </div>
  );
}
