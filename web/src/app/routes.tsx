import { createBrowserRouter } from 'react-router-dom';
import { EditorPage } from '../editor/EditorPage';
import { FlowsPage } from '../flows/FlowsPage';
import { DeadLettersPage } from '../monitor/DeadLettersPage';
import { RetriesPage } from '../monitor/RetriesPage';
import { RunPage } from '../runs/RunPage';
import { RunsPage } from '../runs/RunsPage';
import { AppLayout } from './layout/AppLayout';
import { NotFoundPage } from './layout/NotFoundPage';

/** SPEC §7 routes. */
export function createAppRouter() {
  return createBrowserRouter([
    {
      element: <AppLayout />,
      children: [
        { path: '/', element: <FlowsPage /> },
        { path: '/flows/:id', element: <EditorPage /> },
        { path: '/flows/:id/runs', element: <RunsPage /> },
        { path: '/runs/:id', element: <RunPage /> },
        { path: '/retries', element: <RetriesPage /> },
        { path: '/dead-letters', element: <DeadLettersPage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ]);
}
