import { isRosterError, RosterProvider } from '@roster/react';
import { QueryClient } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { AppStateProvider } from './app-state';
import { i18n } from './i18n';
import { router } from './router';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    // A refusal (it has a reason) is an answer, not a blip: retry only when the server was not reached.
    queries: { retry: (count, error) => count < 2 && !isRosterError(error), staleTime: 5_000 },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <Suspense fallback={null}>
        <RosterProvider url={window.location.origin} queryClient={queryClient}>
          <AppStateProvider>
            <RouterProvider router={router} />
          </AppStateProvider>
        </RosterProvider>
      </Suspense>
    </I18nextProvider>
  </StrictMode>,
);
