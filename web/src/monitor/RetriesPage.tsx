import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { Countdown } from '../editor/nodes/Countdown';

/** `/retries` — placeholder list of scheduled retries; live countdowns and "retry now" come later (issue item 7). */
export function RetriesPage() {
  const retries = useQuery({ queryKey: queryKeys.retries, queryFn: api.listRetries, refetchInterval: 2000 });
  return (
    <div className="sl-page">
      <PageHeader title="Retries" subtitle="Steps waiting for their next attempt." />
      {retries.error && <div className="sl-alert">{errorMessage(retries.error)}</div>}
      <table className="sl-table" data-testid="retries-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Node</th>
            <th>Attempt</th>
            <th>Due</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {(retries.data?.items ?? []).map((retry) => (
            <tr key={`${retry.runId}-${retry.nodeId}`}>
              <td>
                <Link to={`/runs/${retry.runId}`}>{retry.runId.slice(0, 8)}</Link>
              </td>
              <td>{retry.nodeId}</td>
              <td>
                {retry.attempt} of {retry.maxAttempts}
              </td>
              <td>
                <Countdown to={retry.dueAt} />
              </td>
              <td className="sl-muted">{retry.lastError?.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {retries.data?.items.length === 0 && <div className="sl-empty-row">No retries scheduled.</div>}
    </div>
  );
}
