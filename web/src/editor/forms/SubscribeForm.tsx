import { SearchKeysField } from './SearchKeysField';
import { TextField } from './TextField';

/** `subscribe`: the AMQP topic pattern that starts runs, and the flow's search keys. */
export function SubscribeForm({ nodeId }: { nodeId: string }) {
  return (
    <>
      <TextField nodeId={nodeId} field="topic" label="Topic pattern" placeholder="orders.*" mono keepEmpty hint="AMQP pattern: * matches one word, # matches zero or more." />
      <SearchKeysField nodeId={nodeId} />
    </>
  );
}
