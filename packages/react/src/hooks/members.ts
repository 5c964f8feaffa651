import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { restore, updatePages, withReason } from '../cache';
import type { RosterInfiniteQueryResult, RosterMutationResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

export type Member = RouterOutputs['members']['list']['items'][number];
export type MembersInput = Omit<RouterInputs['members']['list'], 'cursor'>;

const MEMBERS_LIST = ['members', 'list'];
/** The cached lists before an optimistic change, to roll back to. */
type Snapshot = Array<[QueryKey, unknown]>;

export type MembersResult = RosterInfiniteQueryResult<RouterOutputs['members']['list']> & {
  members: Member[];
};

/**
 * An organization's active members, page by page over the server's keyset cursor:
 * `members` is every loaded page flattened; `fetchNextPage()` loads more while `hasNextPage`.
 */
export function useMembers(input: MembersInput): MembersResult {
  const query = trpc.members.list.useInfiniteQuery(input, {
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  return Object.assign(withReason(query), {
    members: query.data?.pages.flatMap((page) => page.items) ?? [],
  });
}

/**
 * Removes a member: `remove.mutate({ organizationId, memberId })` (`memberId` is the membership id).
 * The member disappears from every cached `members.list` page of that organization at once, comes
 * back if the server refuses (`reason` says why), and the lists are refetched either way.
 */
export function useRemoveMember(
  options: { onRemoved?: (result: RouterOutputs['members']['remove']) => void } = {},
): RosterMutationResult<RouterOutputs['members']['remove'], RouterInputs['members']['remove'], Snapshot> {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const mutation = trpc.members.remove.useMutation({
    onMutate: async ({ organizationId, memberId }) => {
      await utils.members.list.cancel({ organizationId });
      return updatePages<Member>(queryClient, MEMBERS_LIST, organizationId, (items) =>
        items.filter((member) => member.id !== memberId),
      );
    },
    onError: (_error, _input, previous) => restore(queryClient, previous),
    onSuccess: (result) => options.onRemoved?.(result),
    onSettled: (_result, _error, { organizationId }) => {
      // Not awaited: the outcome (and `reason`) shows at once; the lists refresh behind it.
      void invalidateAfterRemoval(utils, organizationId);
    },
  });
  return withReason(mutation);
}

/**
 * Changes a member's role: `updateRole.mutate({ organizationId, memberId, role })`; shown at once in
 * the cached lists, rolled back on a refusal (`reason`).
 */
export function useUpdateMemberRole(): RosterMutationResult<
  RouterOutputs['members']['updateRole'],
  RouterInputs['members']['updateRole'],
  Snapshot
> {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const mutation = trpc.members.updateRole.useMutation({
    onMutate: async ({ organizationId, memberId, role }) => {
      await utils.members.list.cancel({ organizationId });
      return updatePages<Member>(queryClient, MEMBERS_LIST, organizationId, (items) =>
        items.map((member) => (member.id === memberId ? { ...member, role } : member)),
      );
    },
    onError: (_error, _input, previous) => restore(queryClient, previous),
    onSettled: (_result, _error, { organizationId }) => {
      // Not awaited: the outcome (and `reason`) shows at once; the lists refresh behind it.
      void invalidateAfterRoleChange(utils, organizationId);
    },
  });
  return withReason(mutation);
}

/**
 * Makes another member the owner, and the caller an admin, in one transaction:
 * `transfer.mutate({ organizationId, memberId })`.
 */
export function useTransferOwnership(): RosterMutationResult<
  RouterOutputs['members']['transferOwnership'],
  RouterInputs['members']['transferOwnership']
> {
  const utils = trpc.useUtils();
  const mutation = trpc.members.transferOwnership.useMutation({
    onSettled: (_result, _error, { organizationId }) => {
      // Not awaited: the outcome (and `reason`) shows at once; the lists refresh behind it.
      void invalidateAfterRoleChange(utils, organizationId);
    },
  });
  return withReason(mutation);
}

type Utils = ReturnType<typeof trpc.useUtils>;

/**
 * After a role change or an ownership transfer: the member lists, the caller's organizations (their
 * role and the owner count), the audit log. Invitations and API keys are untouched by it.
 */
function invalidateAfterRoleChange(utils: Utils, organizationId: string) {
  return Promise.all([
    utils.members.list.invalidate({ organizationId }),
    // A role change, removal or transfer voids an ownership offer made by or to that member.
    utils.members.ownershipOffer.invalidate({ organizationId }),
    utils.organizations.invalidate(),
    utils.auditLog.list.invalidate({ organizationId }),
  ]);
}

/** After a removal, which also revokes the member's pending invitations and API keys there: those lists too. */
function invalidateAfterRemoval(utils: Utils, organizationId: string) {
  return Promise.all([
    invalidateAfterRoleChange(utils, organizationId),
    utils.invitations.list.invalidate({ organizationId }),
    utils.apiKeys.list.invalidate({ organizationId }),
  ]);
}
