import { JsonataField } from './JsonataField';

/** `transform`: a JSONata expression whose result is the step's output. */
export function TransformForm({ nodeId }: { nodeId: string }) {
  return <JsonataField nodeId={nodeId} field="expression" label="Expression (JSONata)" placeholder='{ "id": event.orderId }' required hint="The result becomes the input of the next step." />;
}
