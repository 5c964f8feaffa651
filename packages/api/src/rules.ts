import type { OrganizationStatus, Role } from '@roster/db';
import type { ErrorReason } from './errors';

/**
 * Membership rules that need no database. Every function is an allowlist, never a rank comparison.
 * The procedures call them twice where it matters: in the guard (fast refusal) and again under the
 * organization lock, where the answer is final.
 */

/** Who acts: a person with their role in the organization, or an API key (acting with its scopes). */
export type RuleActor = { type: 'user'; role: Role } | { type: 'apiKey' };

/** Roles an admin (or an API key with `members:write`) may manage: remove, invite, switch between. */
export const DELEGABLE_ROLES: readonly Role[] = ['member', 'viewer'];

/** May `actor` remove another member whose role is `targetRole`? Owners: anyone; admins and keys: members and viewers. */
export function canRemoveMember(actor: RuleActor, targetRole: Role): boolean {
  if (actor.type === 'user' && actor.role === 'owner') return true;
  if (actor.type === 'apiKey' || actor.role === 'admin') return DELEGABLE_ROLES.includes(targetRole);
  return false;
}

/** May `actor` change a member's role from `from` to `to`? Owners: any; admins and keys: member <-> viewer. */
export function canChangeRole(actor: RuleActor, from: Role, to: Role): boolean {
  if (actor.type === 'user' && actor.role === 'owner') return true;
  if (actor.type === 'apiKey' || actor.role === 'admin') {
    return DELEGABLE_ROLES.includes(from) && DELEGABLE_ROLES.includes(to);
  }
  return false;
}

/** May `actor` invite someone as `role` (or revoke such an invitation)? Owners: any role; admins and keys: members and viewers. */
export function canManageInvitation(actor: RuleActor, role: Role): boolean {
  if (actor.type === 'user' && actor.role === 'owner') return true;
  if (actor.type === 'apiKey' || actor.role === 'admin') return DELEGABLE_ROLES.includes(role);
  return false;
}

/**
 * Would a membership whose role goes from `currentRole` to `nextRole` (null: the membership ends)
 * leave the organization without an active owner, given how many active owners it has now?
 */
export function leavesNoOwner(currentRole: Role, nextRole: Role | null, activeOwnerCount: number): boolean {
  if (currentRole !== 'owner' || nextRole === 'owner') return false;
  return activeOwnerCount <= 1;
}

export interface EndMembershipFacts {
  kind: 'leave' | 'remove';
  organizationStatus: OrganizationStatus;
  /** The acting person's role, re-read under the lock; null when they are no longer an active member. */
  actor: { type: 'user'; role: Role | null } | { type: 'apiKey' };
  /** The membership to end, re-read under the lock; null when it is not active in this organization. */
  target: { role: Role; isActor: boolean } | null;
  activeOwnerCount: number;
}

/** Why a leave or removal must be refused, or null when it may proceed. Checked under the organization lock. */
export function endMembershipRefusal(facts: EndMembershipFacts): ErrorReason | null {
  const { actor, target } = facts;
  if (actor.type === 'user' && actor.role === null) return 'ORGANIZATION_NOT_FOUND';
  if (!target) return facts.kind === 'leave' ? 'ORGANIZATION_NOT_FOUND' : 'MEMBER_NOT_FOUND';
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  if (!target.isActor) {
    const ruleActor: RuleActor = actor.type === 'apiKey' ? actor : { type: 'user', role: actor.role as Role };
    if (!canRemoveMember(ruleActor, target.role)) return 'INSUFFICIENT_ROLE';
  }
  if (leavesNoOwner(target.role, null, facts.activeOwnerCount)) return 'AT_LEAST_ONE_OWNER_REQUIRED';
  return null;
}

export interface RoleChangeFacts {
  organizationStatus: OrganizationStatus;
  actor: { type: 'user'; role: Role | null } | { type: 'apiKey' };
  target: { role: Role } | null;
  nextRole: Role;
  activeOwnerCount: number;
}

/** Why a role change must be refused, or null. Checked under the organization lock. */
export function roleChangeRefusal(facts: RoleChangeFacts): ErrorReason | null {
  const { actor, target } = facts;
  if (actor.type === 'user' && actor.role === null) return 'ORGANIZATION_NOT_FOUND';
  if (!target) return 'MEMBER_NOT_FOUND';
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  const ruleActor: RuleActor = actor.type === 'apiKey' ? actor : { type: 'user', role: actor.role as Role };
  if (!canChangeRole(ruleActor, target.role, facts.nextRole)) return 'INSUFFICIENT_ROLE';
  if (leavesNoOwner(target.role, facts.nextRole, facts.activeOwnerCount))
    return 'AT_LEAST_ONE_OWNER_REQUIRED';
  return null;
}

/** Invitations last this long unless accepted or revoked. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function isInvitationExpired(expiresAt: Date, now: Date = new Date()): boolean {
  return expiresAt.getTime() <= now.getTime();
}

export interface TransferFacts {
  organizationStatus: OrganizationStatus;
  actorRole: Role | null;
  target: { role: Role; isActor: boolean } | null;
}

/** Why an ownership transfer must be refused, or null. Checked under the organization lock. */
export function transferRefusal(facts: TransferFacts): ErrorReason | null {
  if (facts.actorRole === null) return 'ORGANIZATION_NOT_FOUND';
  if (facts.actorRole !== 'owner') return 'INSUFFICIENT_ROLE';
  if (!facts.target || facts.target.isActor) return 'MEMBER_NOT_FOUND';
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  return null;
}
