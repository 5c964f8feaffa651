import { withReason } from '../cache';
import type { RosterMutationResult, RosterQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

export type OwnershipOffer = NonNullable<RouterOutputs['members']['ownershipOffer']>;

type Utils = ReturnType<typeof trpc.useUtils>;

/** After a step of an ownership offer: the offer, the roles (members, my organizations, permissions), the audit log. */
function invalidateAfterOffer(utils: Utils) {
  return Promise.all([
    utils.members.ownershipOffer.invalidate(),
    utils.members.list.invalidate(),
    utils.organizations.invalidate(),
    utils.auditLog.list.invalidate(),
  ]);
}

/**
 * The organization's pending ownership offer, for its owners and its target (`forMe`); null otherwise.
 * The target accepts or declines with `useAcceptOwnership` / `useDeclineOwnership`.
 */
export function useOwnershipOffer(
  organizationId: string | undefined,
): RosterQueryResult<OwnershipOffer | null> {
  return withReason(
    trpc.members.ownershipOffer.useQuery(
      { organizationId: organizationId ?? '' },
      { enabled: Boolean(organizationId) },
    ),
  );
}

/** An owner offers ownership to another member: `offer.mutate({ organizationId, memberId })`. */
export function useOfferOwnership(): RosterMutationResult<
  RouterOutputs['members']['offerOwnership'],
  RouterInputs['members']['offerOwnership']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.members.offerOwnership.useMutation({ onSettled: () => invalidateAfterOffer(utils) }),
  );
}

/** The target accepts: they become owner, the offerer admin (`accept.mutate({ offerId })`). */
export function useAcceptOwnership(): RosterMutationResult<
  RouterOutputs['members']['acceptOwnership'],
  RouterInputs['members']['acceptOwnership']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.members.acceptOwnership.useMutation({ onSettled: () => invalidateAfterOffer(utils) }),
  );
}

/** The target declines: nothing changes but the offer (`decline.mutate({ offerId })`). */
export function useDeclineOwnership(): RosterMutationResult<
  RouterOutputs['members']['declineOwnership'],
  RouterInputs['members']['declineOwnership']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.members.declineOwnership.useMutation({ onSettled: () => invalidateAfterOffer(utils) }),
  );
}

/** An owner withdraws the pending offer (`cancel.mutate({ organizationId, offerId })`). */
export function useCancelOwnershipOffer(): RosterMutationResult<
  RouterOutputs['members']['cancelOwnershipOffer'],
  RouterInputs['members']['cancelOwnershipOffer']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.members.cancelOwnershipOffer.useMutation({ onSettled: () => invalidateAfterOffer(utils) }),
  );
}
