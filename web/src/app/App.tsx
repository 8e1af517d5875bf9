import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { RouterProvider } from 'react-router-dom';
import { useStore } from 'zustand';
import { ApiError } from '../api/ApiError';
import { apiKeyStore } from '../api/apiKeyStore';
import { SignInPage } from '../auth/SignInPage';
import { createAppRouter } from './routes';

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        // 4xx answers will not change on retry.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

/**
 * The app, or the sign-in screen while the API refuses the tab's key (any
 * 401). Signing in again brings back the page at the same URL, with every
 * query loaded afresh under the new key.
 */
export function App() {
  const [client] = useState(makeQueryClient);
  const [router] = useState(createAppRouter);
  const signIn = useStore(apiKeyStore, (state) => state.signIn);
  useEffect(() => {
    // Nothing read with the old key outlives it.
    if (signIn !== null) client.clear();
  }, [client, signIn]);
  return <QueryClientProvider client={client}>{signIn === null ? <RouterProvider router={router} /> : <SignInPage reason={signIn} />}</QueryClientProvider>;
}
