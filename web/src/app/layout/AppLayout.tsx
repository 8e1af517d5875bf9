import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { useStore } from 'zustand';
import { apiKeyStore } from '../../api/apiKeyStore';
import './AppLayout.css';

const NAV = [
  { to: '/', label: 'Flows', icon: 'M4 6h16M4 12h10M4 18h6', end: true },
  { to: '/retries', label: 'Retries', icon: 'M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5' },
  { to: '/dead-letters', label: 'Dead letters', icon: 'M4 4h16v12H5.2L4 17.2V4zM9 9l6 6M15 9l-6 6' },
];

/** The app shell: a slim navigation rail and the page. */
export function AppLayout() {
  const signedIn = useStore(apiKeyStore, (state) => state.key !== null);
  return (
    <div className="sl-shell">
      <nav className="sl-rail" aria-label="Main">
        <NavLink to="/" className="sl-brand" aria-label="Sluice home">
          <svg width="30" height="30" viewBox="0 0 32 32" aria-hidden>
            <rect width="32" height="32" rx="8" fill="var(--accent)" />
            <path d="M8 11h10a4 4 0 0 1 0 8h-4a4 4 0 0 0 0 8h10" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" transform="translate(0 -3)" />
          </svg>
          <span className="sl-brand__name">Sluice</span>
        </NavLink>
        {NAV.map((item) => (
          <NavLink key={item.to} to={item.to} end={item.end ?? false} className={({ isActive }) => `sl-rail__link${isActive ? ' is-active' : ''}`} data-testid={`nav-${item.label.toLowerCase().replace(' ', '-')}`}>
            <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
              <path d={item.icon} />
            </svg>
            <span>{item.label}</span>
          </NavLink>
        ))}
        <div className="sl-rail__foot">
          <a href="/api/docs" target="_blank" rel="noreferrer" className="sl-rail__link">
            <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
              <path d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5v14zM20 17v4H6.5" />
            </svg>
            <span>API docs</span>
          </a>
          {signedIn && (
            <button type="button" className="sl-rail__link sl-rail__button" data-testid="sign-out" title="Forget this tab's API key" onClick={() => apiKeyStore.getState().signOut()}>
              <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
                <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />
              </svg>
              <span>Sign out</span>
            </button>
          )}
        </div>
      </nav>
      <main className="sl-main">
        <Suspense fallback={<div className="sl-page-message sl-muted">Loading…</div>}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
