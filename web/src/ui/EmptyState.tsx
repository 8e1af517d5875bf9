import type { ReactNode } from 'react';
import './EmptyState.css';

const ICONS = {
  flows: 'M4 6h6v4H4zM14 14h6v4h-6zM10 8h2a2 2 0 0 1 2 2v4a2 2 0 0 0 2 2',
  runs: 'M5 3l14 9-14 9V3z',
  retries: 'M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5',
  dead: 'M20 6 9 17l-5-5',
  error: 'M12 9v4M12 17h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
} as const;

/** A designed empty state: an icon in a soft halo, a headline, a sentence, and an optional action. */
export function EmptyState({ icon, title, children, action, tone = 'neutral', testId }: {
  icon: keyof typeof ICONS;
  title: string;
  children: ReactNode;
  action?: ReactNode;
  tone?: 'neutral' | 'good';
  testId?: string;
}) {
  return (
    <div className={`sl-empty-state sl-empty-state--${tone}`} data-testid={testId}>
      <div className="sl-empty-state__halo" aria-hidden>
        <svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round">
          <path d={ICONS[icon]} />
        </svg>
      </div>
      <h3>{title}</h3>
      <p>{children}</p>
      {action && <div className="sl-empty-state__action">{action}</div>}
    </div>
  );
}
