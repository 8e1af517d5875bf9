import './monitor.css';

/** The live list's count and a dot that shows while it refreshes. */
export function RefreshHint({ fetching, count, noun }: { fetching: boolean; count: number; noun: string }) {
  return (
    <span className={`sl-refresh${fetching ? ' is-fetching' : ''}`}>
      <span className="sl-refresh__dot" />
      {count} {noun} · live
    </span>
  );
}
