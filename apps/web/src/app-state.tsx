import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

interface AppState {
  /** A one-line confirmation shown at the top of the page (role="status"), e.g. "You left Acme." */
  notice: string | null;
  setNotice(notice: string | null): void;
  /** The organization a leave is in flight for: its screens show a spinner, not "not available". */
  leavingOrganizationId: string | null;
  setLeavingOrganizationId(id: string | null): void;
}

const AppStateContext = createContext<AppState | null>(null);

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<string | null>(null);
  const [leavingOrganizationId, setLeavingOrganizationId] = useState<string | null>(null);
  const value = useMemo(
    () => ({ notice, setNotice, leavingOrganizationId, setLeavingOrganizationId }),
    [notice, leavingOrganizationId],
  );
  return <AppStateContext.Provider value={value}>{children}</AppStateContext.Provider>;
}

export function useAppState(): AppState {
  const state = useContext(AppStateContext);
  if (!state) throw new Error('useAppState must be used below <AppStateProvider>');
  return state;
}
