import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { formatAgo } from '../editor/lib/formatDuration';

/** `/dead-letters` — placeholder list; redrive, discard and bulk redrive come later (issue item 7). */
export function DeadLettersPage() {
  const deadLetters = useQuery({ queryKey: queryKeys.deadLetters, queryFn: api.listDeadLetters, refetchInterval: 5000 });
  return (
    <div className="sl-page">
      <PageHeader title="Dead letters" subtitle="Steps that ran out of attempts with no error edge to catch them." />
      {deadLetters.error && <div className="sl-alert">{errorMessage(deadLetters.error)}</div>}
      <table className="sl-table" data-testid="dead-letters-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Node</th>
            <th>Attempts</th>
            <th>Error</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {(deadLetters.data?.items ?? []).map((item) => (
            <tr key={item.id} data-testid={`dead-letter-${item.id}`}>
              <td>
                <Link to={`/runs/${item.runId}`}>{item.runId.slice(0, 8)}</Link>
              </td>
              <td>{item.nodeId}</td>
              <td>{item.attempts}</td>
              <td className="sl-error-text">{item.error.message}</td>
              <td className="sl-muted">{formatAgo(item.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {deadLetters.data?.items.length === 0 && <div className="sl-empty-row">No dead letters. Everything got through.</div>}
    </div>
  );
}
