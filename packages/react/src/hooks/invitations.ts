import { withReason } from '../cache';
import type { RosterMutationResult, RosterQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

/** A pending invitation of an organization, as `useInvitations` lists it. */
export type Invitation = RouterOutputs['invitations']['list'][number];
/** A pending invitation addressed to the signed-in user, as `useMyInvitations` lists it. */
export type MyInvitation = RouterOutputs['invitations']['listMine'][number];

/** An organization's pending invitations (owners and admins). */
export function useInvitations(organizationId: string): RosterQueryResult<Invitation[]> {
  return withReason(trpc.invitations.list.useQuery({ organizationId }));
}

/** Pending invitations addressed to the signed-in user's email. */
export function useMyInvitations(): RosterQueryResult<MyInvitation[]> {
  return withReason(trpc.invitations.listMine.useQuery());
}

/** Invites someone by email: `invite.mutate({ organizationId, email, role })`. */
export function useCreateInvitation(): RosterMutationResult<
  RouterOutputs['invitations']['create'],
  RouterInputs['invitations']['create']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.invitations.create.useMutation({
      onSettled: (_result, _error, { organizationId }) =>
        utils.invitations.list.invalidate({ organizationId }),
    }),
  );
}

/** Revokes a pending invitation: `revoke.mutate({ invitationId })`. */
export function useRevokeInvitation(): RosterMutationResult<
  RouterOutputs['invitations']['revoke'],
  RouterInputs['invitations']['revoke']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.invitations.revoke.useMutation({
      // Only the invitation's own organization; a refusal (no result) refreshes every list, as it may be stale.
      onSettled: (result) =>
        utils.invitations.list.invalidate(result ? { organizationId: result.organizationId } : undefined),
    }),
  );
}

/**
 * Accepts an invitation: `accept.mutate({ invitationId })` creates an active membership; the
 * organization then shows up in `useOrganizations()`.
 */
export function useAcceptInvitation(
  options: { onAccepted?: (result: RouterOutputs['invitations']['accept']) => void } = {},
): RosterMutationResult<RouterOutputs['invitations']['accept'], RouterInputs['invitations']['accept']> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.invitations.accept.useMutation({
      onSuccess: async (result) => {
        // The session is untouched: accepting neither signs in nor picks the active organization.
        await Promise.all([
          utils.organizations.listMine.invalidate(),
          utils.invitations.listMine.invalidate(),
        ]);
        options.onAccepted?.(result);
      },
    }),
  );
}

/** What an invitation link (`/invite/<token>`) is for: the invited address, role, organization, inviter. */
export type InvitationPreview = RouterOutputs['invitations']['byToken'];

/**
 * Reads an invitation link before acting on it (no session needed). `reason`: TOKEN_INVALID (unknown,
 * used or replaced by a resend), INVITATION_NOT_FOUND (revoked or accepted), VALIDATION_FAILED (malformed).
 */
export function useInvitationByToken(token: string): RosterQueryResult<InvitationPreview> {
  return withReason(trpc.invitations.byToken.useQuery({ token }, { retry: false }));
}

/**
 * Accepts the invitation of a link: `accept.mutate({ token })`. Proves the signed-in user's address (it
 * must be the invited one). `reason`: INVITATION_FOR_ANOTHER_ADDRESS, TOKEN_INVALID, INVITATION_EXPIRED,
 * INVITATION_NOT_FOUND, ALREADY_MEMBER, ...
 */
export function useAcceptInvitationByToken(
  options: { onAccepted?: (result: RouterOutputs['invitations']['acceptByToken']) => void } = {},
): RosterMutationResult<
  RouterOutputs['invitations']['acceptByToken'],
  RouterInputs['invitations']['acceptByToken']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.invitations.acceptByToken.useMutation({
      onSuccess: async (result) => {
        // The address is verified now too: auth.me changes.
        await Promise.all([
          utils.organizations.listMine.invalidate(),
          utils.invitations.listMine.invalidate(),
          utils.auth.me.invalidate(),
        ]);
        options.onAccepted?.(result);
      },
    }),
  );
}

/**
 * Mails a pending invitation's link again (a new token; the old link dies): `resend.mutate({ invitationId })`.
 * `reason`: INVITATION_RESEND_TOO_SOON (once a minute per invitation), INVITATION_EXPIRED, INSUFFICIENT_ROLE.
 */
export function useResendInvitation(): RosterMutationResult<
  RouterOutputs['invitations']['resend'],
  RouterInputs['invitations']['resend']
> {
  return withReason(trpc.invitations.resend.useMutation());
}
