// What the screens offer, mirroring the server's allowlists (DESIGN.md). The server still decides:
// these only keep actions a role cannot take out of sight.

const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Owners and admins manage members and invitations. */
export function canManageMembers(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

/** Owners remove anyone; admins remove members and viewers. Nobody "removes" themselves (that is leaving). */
export function canRemove(actor: Role, target: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return target === 'member' || target === 'viewer';
  return false;
}

/** The roles `actor` may give a member who has `target` now; empty when the role cannot be changed. */
export function assignableRoles(actor: Role, target: Role): Role[] {
  if (actor === 'owner') return [...ROLES];
  if (actor === 'admin' && (target === 'member' || target === 'viewer')) return ['member', 'viewer'];
  return [];
}

/** The roles `actor` may invite people with. */
export function invitableRoles(actor: Role): Role[] {
  if (actor === 'owner') return [...ROLES];
  if (actor === 'admin') return ['member', 'viewer'];
  return [];
}
