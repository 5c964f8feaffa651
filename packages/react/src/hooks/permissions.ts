import { withReason } from '../cache';
import type { RosterQueryResult } from '../results';
import { type RouterOutputs, trpc } from '../trpc';

/** The server's answer to "may I, and if not, why not" for one organization (`organizations.permissions`). */
export type Permissions = RouterOutputs['organizations']['permissions'];
/** One action's answer: `{ allowed: true }` or `{ allowed: false, reason }`. */
export type Permission = Permissions['leave'];
type Role = keyof Permissions['remove'];

const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

/**
 * May the caller leave? False while the answer is loading, for the organization's last owner
 * (AT_LEAST_ONE_OWNER_REQUIRED) and while it is scheduled for deletion. A view of `usePermissions`;
 * the server's check (under a lock) is the one that counts.
 */
export function canLeave(permissions: Permissions | undefined): boolean {
  return permissions?.leave.allowed === true;
}

export type PermissionsResult = RosterQueryResult<Permissions> & {
  /** `permissions.leave.allowed` (false while loading). */
  canLeave: boolean;
  /** May the caller remove another member who has `role`? */
  canRemove(role: Role): boolean;
  /** The roles the caller may give a member who has `role` now, besides that role; empty: none. */
  assignableRoles(role: Role): Role[];
  /** The roles the caller may invite people with. */
  invitableRoles: Role[];
};

/**
 * What the caller may do in the organization, and why not: every action of `organizations.permissions`
 * (`data.leave`, `data.remove[role]`, `data.changeRole[from][to]`, `data.invite[role]`, ...), each
 * `{ allowed: true }` or `{ allowed: false, reason }`, plus shorthands for screens. Refetched after every
 * membership change made through these hooks. Show or hide actions from it, never from a role check.
 */
export function usePermissions(organizationId: string | undefined): PermissionsResult {
  const query = withReason(
    trpc.organizations.permissions.useQuery(
      { organizationId: organizationId ?? '' },
      { enabled: Boolean(organizationId) },
    ),
  );
  const data = query.data;
  return Object.assign(query, {
    canLeave: canLeave(data),
    canRemove: (role: Role) => data?.remove[role].allowed === true,
    assignableRoles: (role: Role) =>
      data ? ROLES.filter((next) => next !== role && data.changeRole[role][next].allowed) : [],
    invitableRoles: data ? ROLES.filter((role) => data.invite[role].allowed) : [],
  });
}
