import { JsonataField } from './JsonataField';

/** JSONata's truthiness, as the engine's filter applies it. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** `filter`: a JSONata condition; truthy leaves by `yes`, anything else by `no`. */
export function FilterForm({ nodeId }: { nodeId: string }) {
  return (
    <JsonataField
      nodeId={nodeId}
      field="condition"
      label="Condition (JSONata)"
      placeholder="event.amount > 100"
      required
      hint="Scope: event, steps.<nodeId>, input."
      describe={(value) => (truthy(value) ? '→ yes' : '→ no')}
    />
  );
}
