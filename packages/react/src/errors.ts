import type { ErrorReason, RosterErrorData } from '@roster/api';
import type { TRPCClientErrorLike } from '@trpc/client';
import type { AppRouter } from './trpc';

export type { ErrorReason, RosterErrorData };

/** An error answered by a Roster server: `error.data.reason` says why, `error.data.hint` what to do. */
export type RosterClientError = Error & TRPCClientErrorLike<AppRouter> & { data: RosterErrorData };

/**
 * True for an error the Roster server answered with (it carries `data.reason`, `hint`, `docs`).
 * Checked by shape rather than `instanceof`, so it holds across duplicate copies of `@trpc/client`.
 */
export function isRosterError(error: unknown): error is RosterClientError {
  return (
    error instanceof Error && typeof (error as { data?: { reason?: unknown } }).data?.reason === 'string'
  );
}

/**
 * The stable reason of a failed call, or null when there is no error (or the server was never
 * reached: a network failure has no reason). Branch on it with types:
 * `if (errorReason(error) === 'AT_LEAST_ONE_OWNER_REQUIRED') ...`.
 */
export function errorReason(error: unknown): ErrorReason | null {
  return isRosterError(error) ? error.data.reason : null;
}
