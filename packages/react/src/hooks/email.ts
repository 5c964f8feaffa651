import { withReason } from '../cache';
import type { RosterMutationResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

/**
 * Follows a verification link: `verify.mutate({ token })`. `reason`: TOKEN_INVALID (unknown, used or
 * replaced), TOKEN_EXPIRED (after 24 h), VALIDATION_FAILED (malformed). Refreshes the session's user
 * (`emailVerified`) and the invitations addressed to it.
 */
export function useVerifyEmail(): RosterMutationResult<
  RouterOutputs['auth']['verifyEmail'],
  RouterInputs['auth']['verifyEmail']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.auth.verifyEmail.useMutation({
      onSuccess: () => Promise.all([utils.auth.me.invalidate(), utils.invitations.listMine.invalidate()]),
    }),
  );
}

/** Mails the signed-in user a new verification link: `resend.mutate()`; `data.status` says what happened. */
export function useResendVerification(): RosterMutationResult<
  RouterOutputs['auth']['resendVerification'],
  RouterInputs['auth']['resendVerification']
> {
  return withReason(trpc.auth.resendVerification.useMutation());
}

/**
 * Asks for a password-reset mail: `request.mutate({ email })`. The answer is the same whether or not the
 * address has an account (so show "if it has an account, a mail is on its way").
 */
export function useRequestPasswordReset(): RosterMutationResult<
  RouterOutputs['auth']['requestPasswordReset'],
  RouterInputs['auth']['requestPasswordReset']
> {
  return withReason(trpc.auth.requestPasswordReset.useMutation());
}

/**
 * Sets a new password from a reset link: `reset.mutate({ token, password })`; every other session of the
 * user ends. It does not sign in. `reason`: TOKEN_INVALID, TOKEN_EXPIRED (after one hour), VALIDATION_FAILED.
 */
export function useResetPassword(): RosterMutationResult<
  RouterOutputs['auth']['resetPassword'],
  RouterInputs['auth']['resetPassword']
> {
  return withReason(trpc.auth.resetPassword.useMutation());
}
