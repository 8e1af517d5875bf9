import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <div className="sl-page-message">
      <h2>Page not found</h2>
      <Link className="sl-btn" to="/">
        Back to flows
      </Link>
    </div>
  );
}
