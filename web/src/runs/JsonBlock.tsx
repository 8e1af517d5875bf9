/** A value as indented JSON in a dark code block; `empty` is shown when there is nothing. */
export function JsonBlock({ value, empty = 'Nothing yet', testId }: { value: unknown; empty?: string; testId?: string }) {
  if (value === undefined) return <div className="sl-json sl-json--empty" data-testid={testId}>{empty}</div>;
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return (
    <pre className="sl-json" data-testid={testId}>
      {text}
    </pre>
  );
}
