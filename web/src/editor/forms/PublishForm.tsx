import { TextField } from './TextField';

/** `publish`: the routing key the step's input is published under. */
export function PublishForm({ nodeId }: { nodeId: string }) {
  return (
    <TextField
      nodeId={nodeId}
      field="topic"
      label="Topic"
      placeholder="orders.significant"
      mono
      keepEmpty
      hint="Every flow subscribed to a matching pattern gets its own run."
    />
  );
}
