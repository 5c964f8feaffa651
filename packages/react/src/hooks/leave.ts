import { useQueryClient } from '@tanstack/react-query';
import { isAbout, withReason } from '../cache';
import type { RosterMutationResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';
import { canLeave } from './permissions';

export type LeaveResult = RouterOutputs['members']['leave'];

export interface UseLeaveOrganizationOptions {
  /**
   * Called once the server has committed the leave and the cache is updated. `nextOrganization` is
   * where to go next (the caller's next active organization), or null: send them to onboarding.
   */
  onLeft?: (result: LeaveResult) => void;
}

export type LeaveOrganizationResult = RosterMutationResult<LeaveResult, RouterInputs['members']['leave']> & {
  canLeave: typeof canLeave;
};

/**
 * Leaves an organization: `leave.mutate({ organizationId })`. On success the organization leaves the
 * `organizations.listMine` cache, every cached query about it is dropped (members, invitations,
 * audit log, bySlug, ...), the session is refetched, and `onLeft({ nextOrganization })` runs.
 * A refusal sets `reason` (e.g. `AT_LEAST_ONE_OWNER_REQUIRED`) and changes nothing.
 */
export function useLeaveOrganization(options: UseLeaveOrganizationOptions = {}): LeaveOrganizationResult {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const mutation = trpc.members.leave.useMutation({
    onSuccess: (result) => {
      const { organizationId } = result;
      // Dropped, not invalidated: refetching them would only answer ORGANIZATION_NOT_FOUND. Done
      // synchronously with onLeft, so the screen navigates away before anything refetches them.
      queryClient.removeQueries({ predicate: (query) => isAbout(query, organizationId) });
      // A list fetched before the commit and still in flight would bring the organization back: drop it
      // (cancelling reverts at once, so the filter below applies to the list as it was).
      void utils.organizations.listMine.cancel();
      if (utils.organizations.listMine.getData() === undefined) {
        // Its first load was cancelled: nothing to filter, so load it again (after the commit now).
        void utils.organizations.listMine.invalidate();
      } else {
        utils.organizations.listMine.setData(undefined, (organizations) =>
          organizations?.filter((organization) => organization.id !== organizationId),
        );
      }
      options.onLeft?.(result);
      // The server cleared the session's active organization if it was this one.
      return utils.auth.me.invalidate();
    },
  });
  return Object.assign(withReason(mutation), { canLeave });
}
