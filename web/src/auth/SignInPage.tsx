import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../api/ApiError';
import { apiKeyStore, type SignInReason } from '../api/apiKeyStore';
import { checkApiKey } from '../api/client';
import './SignInPage.css';

/** What the screen says first, by why it shows. */
const LEAD: Record<SignInReason, { title: string; text: string }> = {
  required: { title: 'This Sluice needs an API key', text: 'Enter one of the keys in its SLUICE_API_KEYS setting to open the editor.' },
  expired: { title: 'Your key is no longer accepted', text: 'The server’s keys have changed. Enter a current key to carry on where you were.' },
  'signed-out': { title: 'You are signed out', text: 'Enter an API key to open the editor again.' },
};

type Attempt = { state: 'idle' } | { state: 'checking' } | { state: 'refused' } | { state: 'failed'; message: string };

/**
 * Shown instead of the app while the API refuses the tab's requests with 401
 * (SLUICE_API_KEYS set). The key is checked before it is kept, kept in
 * sessionStorage (this tab only), and sent as `Authorization: Bearer <key>`,
 * never in a URL. The page the person was on comes back once a key works.
 */
export function SignInPage({ reason }: { reason: SignInReason }) {
  const [key, setKey] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ state: 'idle' });
  const input = useRef<HTMLInputElement>(null);
  const lead = LEAD[reason];

  useEffect(() => input.current?.focus(), []);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const candidate = key.trim();
    if (candidate === '' || attempt.state === 'checking') return;
    setAttempt({ state: 'checking' });
    checkApiKey(candidate)
      .then((verdict) => {
        if (verdict === 'accepted') {
          apiKeyStore.getState().accept(candidate);
          return;
        }
        setAttempt({ state: 'refused' });
        input.current?.select();
      })
      .catch((error: unknown) => setAttempt({ state: 'failed', message: errorMessage(error) }));
  };

  const refused = attempt.state === 'refused';
  return (
    <main className="sl-signin" data-testid="sign-in" data-reason={reason}>
      <form className="sl-signin__card" method="post" onSubmit={submit} noValidate>
        <div className="sl-signin__brand">
          <svg width="40" height="40" viewBox="0 0 32 32" aria-hidden>
            <rect width="32" height="32" rx="8" fill="var(--accent)" />
            <path d="M8 11h10a4 4 0 0 1 0 8h-4a4 4 0 0 0 0 8h10" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" transform="translate(0 -3)" />
          </svg>
          <span>Sluice</span>
        </div>
        <h1 data-testid="sign-in-title">{lead.title}</h1>
        <p className="sl-muted">{lead.text}</p>
        <label className="sl-signin__label" htmlFor="sl-api-key">
          API key
        </label>
        {/* No `name`: even a native submit could never put the key in a URL or a body. */}
        <input
          ref={input}
          id="sl-api-key"
          type="password"
          className={`sl-input sl-input--mono${refused ? ' is-invalid' : ''}`}
          data-testid="sign-in-key"
          autoComplete="current-password"
          spellCheck={false}
          aria-invalid={refused}
          aria-describedby="sl-api-key-help"
          value={key}
          onChange={(event) => {
            setKey(event.target.value);
            if (attempt.state !== 'checking') setAttempt({ state: 'idle' });
          }}
        />
        {refused && (
          <div className="sl-signin__error" role="alert" data-testid="sign-in-error">
            That key was not accepted. Check it and try again.
          </div>
        )}
        {attempt.state === 'failed' && (
          <div className="sl-signin__error" role="alert" data-testid="sign-in-error">
            Could not check the key: {attempt.message}
          </div>
        )}
        <button type="submit" className="sl-btn sl-btn--primary sl-signin__submit" data-testid="sign-in-submit" disabled={key.trim() === '' || attempt.state === 'checking'}>
          {attempt.state === 'checking' ? 'Checking…' : 'Sign in'}
        </button>
        <p id="sl-api-key-help" className="sl-signin__note sl-small">
          The key stays in this tab only, until you sign out or close it, and is sent as a bearer header on every call.
        </p>
      </form>
    </main>
  );
}
