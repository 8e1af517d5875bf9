import { memo } from 'react';
import { useReplayNodeMark } from './store/ReplayStoreContext';
import './replay.css';

/**
 * A node's replay counts, at its top right (the live status pill sits at
 * the top left): Δ outputs that differ, ✕ steps that would now fail, ✓ steps
 * that would now succeed. Nothing when no replay result is shown.
 */
export const ReplayNodeBadge = memo(function ReplayNodeBadge({ id }: { id: string }) {
  const mark = useReplayNodeMark(id);
  if (!mark) return null;
  const parts: { key: string; text: string; title: string }[] = [];
  if (mark.outputsChanged > 0) parts.push({ key: 'changed', text: `Δ ${mark.outputsChanged}`, title: `${plural(mark.outputsChanged, 'output differs', 'outputs differ')} in the replay` });
  if (mark.nowFail > 0) parts.push({ key: 'fail', text: `✕ ${mark.nowFail}`, title: `${plural(mark.nowFail, 'step', 'steps')} would now fail` });
  if (mark.nowSucceed > 0) parts.push({ key: 'succeed', text: `✓ ${mark.nowSucceed}`, title: `${plural(mark.nowSucceed, 'step', 'steps')} would now succeed` });
  const label = `Replay: ${parts.map((part) => part.title).join(', ')}`;
  return (
    <div className="sl-replay-badge" data-testid="replay-node-badge" data-node-id={id} title={label} aria-label={label} role="note">
      {parts.map((part) => (
        <span key={part.key} className={`sl-replay-badge__part is-${part.key}`} data-part={part.key}>
          {part.text}
        </span>
      ))}
    </div>
  );
});

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
