import type { ReactNode } from 'react';

/** A labelled form row with an optional hint or error under it. */
export function Field({ label, hint, error, children, htmlFor }: { label: string; hint?: ReactNode; error?: string | undefined; children: ReactNode; htmlFor?: string }) {
  return (
    <div className={`sl-field${error ? ' has-error' : ''}`}>
      <label className="sl-field__label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {error ? <div className="sl-field__error">{error}</div> : hint ? <div className="sl-field__hint">{hint}</div> : null}
    </div>
  );
}
