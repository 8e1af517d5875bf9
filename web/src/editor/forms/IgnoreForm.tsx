import { TextField } from './TextField';

/** `ignore`: a terminal that marks the branch ignored. */
export function IgnoreForm({ nodeId }: { nodeId: string }) {
  return <TextField nodeId={nodeId} field="reason" label="Reason (optional)" placeholder="amount is 100 or less" hint="A run whose every branch ends here is ignored." />;
}
