import { type UseMutateFunction, useQueryClient } from '@tanstack/react-query';
import { type ErrorReason, errorReason } from '../errors';
import type { RosterHookError } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

export type SessionUser = NonNullable<RouterOutputs['auth']['me']>['user'];

type Action<P extends keyof RouterInputs['auth']> = UseMutateFunction<
  RouterOutputs['auth'][P],
  RosterHookError,
  RouterInputs['auth'][P]
>;

export interface Session {
  /** The signed-in user; null when signed out (or not known yet: see `isLoading`). */
  user: SessionUser | null;
  activeOrganizationId: string | null;
  /** True until the first answer about the session. */
  isLoading: boolean;
  isSignedIn: boolean;
  /** A sign-in, sign-up, sign-out or organization switch is in flight. */
  isPending: boolean;
  /** Why the last action failed (e.g. INVALID_CREDENTIALS, EMAIL_TAKEN), or null. */
  reason: ErrorReason | null;
  signIn: Action<'signIn'>;
  signUp: Action<'signUp'>;
  signOut: Action<'signOut'>;
  setActiveOrganization: Action<'setActiveOrganization'>;
}

// Roster's own routers: what to forget on sign-in and sign-out (a shared QueryClient keeps the rest).
const ROSTER_ROUTERS = new Set(['auth', 'organizations', 'members', 'invitations', 'auditLog', 'apiKeys']);

/**
 * The signed-in user (`user`, null when signed out), the session's `activeOrganizationId`, and
 * `signIn` / `signUp` / `signOut` / `setActiveOrganization`. Each takes the procedure's input and
 * optional `{ onSuccess, onError }`; `reason` is the last failure's reason (e.g. INVALID_CREDENTIALS).
 */
export function useSession(): Session {
  const queryClient = useQueryClient();
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery(undefined, {
    // Signed out is an answer, not a failure to retry.
    retry: (count, error) => errorReason(error) !== 'UNAUTHENTICATED' && count < 2,
  });
  const reset = async () => {
    queryClient.removeQueries({
      predicate: (query) => ROSTER_ROUTERS.has((query.queryKey[0] as string[] | undefined)?.[0] ?? ''),
    });
    await utils.auth.me.invalidate();
  };
  const signIn = trpc.auth.signIn.useMutation({ onSuccess: reset });
  const signUp = trpc.auth.signUp.useMutation({ onSuccess: reset });
  const signOut = trpc.auth.signOut.useMutation({ onSuccess: reset });
  const setActiveOrganization = trpc.auth.setActiveOrganization.useMutation({
    onSuccess: () => utils.auth.me.invalidate(),
  });
  const mutations = [signIn, signUp, signOut, setActiveOrganization];
  // The latest action decides: a failed sign-in followed by a successful one leaves no reason.
  const latest = mutations.reduce((a, b) => (b.submittedAt > a.submittedAt ? b : a));
  const meReason = errorReason(me.error);
  return {
    user: me.data?.user ?? null,
    activeOrganizationId: me.data?.activeOrganizationId ?? null,
    isLoading: me.isLoading,
    isSignedIn: Boolean(me.data?.user),
    isPending: mutations.some((mutation) => mutation.isPending),
    reason: errorReason(latest.error) ?? (meReason === 'UNAUTHENTICATED' ? null : meReason),
    signIn: signIn.mutate,
    signUp: signUp.mutate,
    signOut: signOut.mutate,
    setActiveOrganization: setActiveOrganization.mutate,
  };
}
