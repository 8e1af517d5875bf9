import { lazy } from 'react';
import { createBrowserRouter } from 'react-router-dom';
import { FlowsPage } from '../flows/FlowsPage';
import { DeadLettersPage } from '../monitor/DeadLettersPage';
import { RetriesPage } from '../monitor/RetriesPage';
import { RunsPage } from '../runs/RunsPage';
import { AppLayout } from './layout/AppLayout';
import { NotFoundPage } from './layout/NotFoundPage';

// The two canvas pages carry React Flow, d3 and the editor (about half the app), so they load on
// first visit; the lists and monitoring views stay in the entry chunk.
const EditorPage = lazy(() => import('../editor/EditorPage').then((module) => ({ default: module.EditorPage })));
const RunPage = lazy(() => import('../runs/RunPage').then((module) => ({ default: module.RunPage })));

/** The editor's routes (docs/editor.md). */
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
