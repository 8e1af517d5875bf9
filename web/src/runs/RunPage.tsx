import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { PageHeader } from '../app/layout/PageHeader';
import { RunCanvas } from '../editor/canvas/RunCanvas';
import '@xyflow/react/dist/style.css';
import './RunPage.css';

/**
 * `/runs/:id` — placeholder: the run's graph coloured by its current state.
 * The timeline, time-travel slider, step details and "retry now" come later (issue item 6).
 */
export function RunPage() {
  const { id = '' } = useParams();
  const run = useQuery({ queryKey: queryKeys.run(id), queryFn: () => api.getRun(id), refetchInterval: 2000 });
  const flow = useQuery({
    queryKey: queryKeys.flow(run.data?.flowId ?? '', run.data?.flowVersion),
    queryFn: () => api.getFlow(run.data?.flowId ?? '', run.data?.flowVersion),
    enabled: Boolean(run.data),
    staleTime: Infinity,
  });
  if (run.error) return <div className="sl-page-message">{errorMessage(run.error)}</div>;
  if (!run.data || !flow.data) return <div className="sl-page-message sl-muted">Loading run…</div>;
  return (
    <div className="sl-page sl-run-page">
      <PageHeader
        title={`Run ${run.data.id.slice(0, 8)}`}
        subtitle={
          <>
            <Link to={`/flows/${flow.data.id}`}>{flow.data.name}</Link> · version {run.data.flowVersion} · {run.data.status}
          </>
        }
      />
      <div className="sl-run-page__canvas">
        <RunCanvas graph={flow.data.graph} steps={run.data.steps} />
      </div>
    </div>
  );
}
