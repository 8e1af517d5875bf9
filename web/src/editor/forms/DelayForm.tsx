import { formatDuration } from '../../format/durations';
import { NumberField } from './NumberField';
import { useNodeField } from './useNodeField';

/** `delay`: a durable timer. */
export function DelayForm({ nodeId }: { nodeId: string }) {
  const [ms] = useNodeField<number>(nodeId, 'ms');
  return <NumberField nodeId={nodeId} field="ms" label="Wait" unit="ms" min={0} step={500} hint={typeof ms === 'number' ? `= ${formatDuration(ms)}, survives restarts` : 'Milliseconds to wait'} />;
}
