import { useEffect, useState } from 'react';
import { formatDuration } from '../lib/formatDuration';

/** Live "in 3.2 s" countdown to an ISO time; ticks four times a second while mounted. */
export function Countdown({ to, prefix = 'in ' }: { to: string; prefix?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [to]);
  const left = Date.parse(to) - now;
  if (!Number.isFinite(left)) return null;
  return <span className="countdown">{left > 0 ? `${prefix}${formatDuration(left)}` : 'due now'}</span>;
}
