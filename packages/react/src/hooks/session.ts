import { type Query, type UseMutateFunction, useQueryClient } from '@tanstack/react-query';
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
  /**
   * A sign-in, sign-up, sign-out or organization switch is in flight. `signUp` creates the account, mails a
   * verification link and then signs in with the same credentials; if the address already had an account
   * (another password), it ends signed out, without a reason: the holder was mailed instead.
   */
  isPending: boolean;
  /** Why the last action failed (e.g. INVALID_CREDENTIALS, VALIDATION_FAILED), or null. */
  reason: ErrorReason | null;
  signIn: Action<'signIn'>;
  signUp: Action<'signUp'>;
  signOut: Action<'signOut'>;
  setActiveOrganization: Action<'setActiveOrganization'>;
}

// Roster's own routers: what to forget on sign-in and sign-out (a shared QueryClient keeps the rest).
// A Record, so that a router added to Roster and missing here is a type error.
const ROSTER_ROUTERS: Record<keyof RouterInputs, true> = {
  auth: true,
  organizations: true,
  members: true,
  invitations: true,
  auditLog: true,
  apiKeys: true,
  webhooks: true,
};

/** A cached query of Roster's other than the session itself. */
function isPreviousUsersData(query: Query): boolean {
  // tRPC's keys start with the procedure's path; a product's own keys may start with anything.
  const path = query.queryKey[0];
  if (!Array.isArray(path)) return false;
  const [router, procedure] = path as unknown[];
  return (
    typeof router === 'string' &&
    Object.hasOwn(ROSTER_ROUTERS, router) &&
    !(router === 'auth' && procedure === 'me')
  );
}

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
    queryClient.removeQueries({ predicate: isPreviousUsersData });
    // Reset, not invalidated: a signed-out answer is an error, which would keep the previous user as
    // data. Every `useSession` below the provider sees the new session; the action settles after it.
    await utils.auth.me.reset();
  };
  const signIn = trpc.auth.signIn.useMutation({ onSuccess: reset });
  const signInAfterSignUp = trpc.auth.signIn.useMutation();
  const signUp = trpc.auth.signUp.useMutation({
    // Sign-up never signs in: it answers the same for an address that already has an account (no account
    // enumeration). Sign in with the new credentials; if that fails (the address had an account with
    // another password), the user stays signed out and the holder got a mail instead.
    onSuccess: async (_data, input) => {
      await signInAfterSignUp.mutateAsync({ email: input.email, password: input.password }).catch(() => {});
      await reset();
    },
  });
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
