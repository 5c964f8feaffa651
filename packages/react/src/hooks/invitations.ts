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
