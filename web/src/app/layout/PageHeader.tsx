import type { ReactNode } from 'react';

/** Title row of a list page. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="sl-page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="sl-muted">{subtitle}</p>}
      </div>
      {actions && <div className="sl-page-header__actions">{actions}</div>}
    </header>
  );
}
