import { useEffect, useState } from 'react';
import { formatDuration } from '../../format/durations';
import { formatClock } from '../../format/timestamps';

/**
 * Live "in 3.2 s" countdown to an ISO time; ticks four times a second while
 * mounted. With `frozenAt` (a past state, time travel) it does not tick: it
 * shows the due time, and how long after `frozenAt` that was in its tooltip.
 */
export function Countdown({ to, prefix = 'in ', frozenAt = null }: { to: string; prefix?: string; frozenAt?: string | null }) {
  if (frozenAt !== null) return <FrozenDue to={to} frozenAt={frozenAt} />;
  return <LiveCountdown to={to} prefix={prefix} />;
}

function LiveCountdown({ to, prefix }: { to: string; prefix: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [to]);
  const left = Date.parse(to) - now;
  if (!Number.isFinite(left)) return null;
  return <span className="countdown">{left > 0 ? `${prefix}${formatDuration(left)}` : 'due now'}</span>;
}

function FrozenDue({ to, frozenAt }: { to: string; frozenAt: string }) {
  const clock = formatClock(to);
  if (clock === '') return null;
  const after = Date.parse(to) - Date.parse(frozenAt);
  return (
    <span className="countdown" data-frozen title={Number.isFinite(after) ? `${clock}, ${formatDuration(Math.max(0, after))} after this point in the history` : clock}>
      due {clock.slice(0, 8)}
    </span>
  );
}
