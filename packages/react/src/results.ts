import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { TRPCClientErrorLike } from '@trpc/client';
import type { TRPCHookResult, UseTRPCMutationResult, UseTRPCQueryResult } from '@trpc/react-query/shared';
import type { ErrorReason } from './errors';
import type { AppRouter } from './trpc';

// Named result types: the hooks' declarations stay readable and portable (no inferred internal types).

/** An error from a Roster call: `error.data.reason`, `hint`, `docs`, `requestId`. */
export type RosterHookError = TRPCClientErrorLike<AppRouter>;
/** `reason`: the stable reason of the last failure, or null. */
export interface WithReason {
  reason: ErrorReason | null;
}
export type RosterQueryResult<TData> = UseTRPCQueryResult<TData, RosterHookError> & WithReason;
/** Pages of `TPage`, fetched over a keyset cursor (`TCursor`). */
export type RosterInfiniteQueryResult<TPage, TCursor = string> = TRPCHookResult &
  UseInfiniteQueryResult<InfiniteData<TPage, TCursor | null | undefined>, RosterHookError> &
  WithReason;
export type RosterMutationResult<TData, TInput, TContext = unknown> = UseTRPCMutationResult<
  TData,
  RosterHookError,
  TInput,
  TContext
> &
  WithReason;
