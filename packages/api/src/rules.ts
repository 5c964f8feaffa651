import type { OrganizationStatus, Role } from '@roster/db';
import type { ApiKeyScope } from './context';
import type { ErrorReason } from './errors';

/**
 * Membership rules that need no database. Every function is an allowlist, never a rank comparison.
 * The procedures call them twice where it matters: in the guard (fast refusal) and again under the
 * organization lock, where the answer is final.
 */

/**
 * Who may call an organization's procedure: an allowlist of roles for people (never a rank comparison),
 * and the one scope an API key needs. Without `apiKeyScope` the procedure is for people only (keys get
 * SESSION_REQUIRED); `'any'` lets every key of the organization in, whatever its scopes.
 */
export interface AccessRule {
  roles: readonly Role[];
  apiKeyScope?: ApiKeyScope | 'any';
}

const ALL_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
const MANAGERS = ['owner', 'admin'] as const;
const OWNERS = ['owner'] as const;

/**
 * THE table of who may call which organization-scoped procedure: read by `requireRole` (the guard, and
 * the re-check under the organization lock), by `organizations.permissions` (what the caller may do, and
 * why not) and, through that answer, by the web app. The role matrix test checks every entry against what
 * the procedures do. A procedure that is not organization-scoped is in `UNSCOPED_PROCEDURES` instead.
 */
export const ACCESS_RULES = {
  'organizations.get': { roles: ALL_ROLES, apiKeyScope: 'members:read' },
  'organizations.bySlug': { roles: ALL_ROLES, apiKeyScope: 'members:read' },
  'organizations.permissions': { roles: ALL_ROLES, apiKeyScope: 'any' },
  'organizations.scheduleDeletion': { roles: OWNERS },
  'organizations.update': { roles: MANAGERS },
  'organizations.restore': { roles: OWNERS },
  'organizations.export': { roles: OWNERS },
  'members.list': { roles: ALL_ROLES, apiKeyScope: 'members:read' },
  'members.leave': { roles: ALL_ROLES },
  /** Removing your own membership is a leave, open to every role. */
  'members.remove': { roles: MANAGERS, apiKeyScope: 'members:write' },
  'members.updateRole': { roles: MANAGERS, apiKeyScope: 'members:write' },
  /** The immediate transfer, for automation; people use the two-step offer. */
  'members.transferOwnership': { roles: OWNERS },
  'members.offerOwnership': { roles: OWNERS },
  'members.cancelOwnershipOffer': { roles: OWNERS },
  /** Everyone may ask; the answer shows the pending offer only to owners and its target. */
  'members.ownershipOffer': { roles: ALL_ROLES },
  'invitations.create': { roles: MANAGERS, apiKeyScope: 'members:write' },
  'invitations.list': { roles: MANAGERS, apiKeyScope: 'members:write' },
  'invitations.revoke': { roles: MANAGERS, apiKeyScope: 'members:write' },
  'invitations.resend': { roles: MANAGERS, apiKeyScope: 'members:write' },
  'auditLog.list': { roles: ['owner', 'admin', 'viewer'], apiKeyScope: 'audit:read' },
  'apiKeys.create': { roles: MANAGERS },
  'apiKeys.list': { roles: MANAGERS },
  'apiKeys.revoke': { roles: MANAGERS },
  'webhooks.create': { roles: OWNERS },
  'webhooks.list': { roles: OWNERS },
  'webhooks.delete': { roles: OWNERS },
  'webhooks.deliveries': { roles: OWNERS },
  'webhooks.rotateSecret': { roles: OWNERS },
  'webhooks.redeliver': { roles: OWNERS },
} as const satisfies Record<string, AccessRule>;

export type ScopedProcedure = keyof typeof ACCESS_RULES;

/**
 * The procedures that are not scoped to one organization by their input, and who may call them:
 * `anyone` (no caller needed), `people` (a signed-in person; the procedure checks its own object, such
 * as the invitation's email).
 */
export const UNSCOPED_PROCEDURES = {
  'auth.signUp': 'anyone',
  'auth.signIn': 'anyone',
  'auth.signOut': 'anyone',
  'auth.me': 'people',
  'auth.setActiveOrganization': 'people',
  'organizations.create': 'people',
  'organizations.listMine': 'people',
  'invitations.listMine': 'people',
  'invitations.accept': 'people',
  // Mailed links: the token is the proof (byToken only reads what the link is for).
  'invitations.acceptByToken': 'people',
  'invitations.byToken': 'anyone',
  'auth.verifyEmail': 'anyone',
  'auth.resendVerification': 'people',
  'auth.requestPasswordReset': 'anyone',
  'auth.resetPassword': 'anyone',
  /** The offer's target only; anyone else: OWNERSHIP_OFFER_NOT_FOUND. */
  'members.acceptOwnership': 'people',
  'members.declineOwnership': 'people',
} as const satisfies Record<string, 'anyone' | 'people'>;

/**
 * The caller as the allowlists see it: a person with their role, or an API key with its scopes and the
 * role it acts with now (`apiKeyRole`: its creator's, never beyond an admin's; null: none).
 */
export type AccessActor =
  | { type: 'user'; role: Role }
  | { type: 'apiKey'; scopes: readonly ApiKeyScope[]; role: Role | null };

/** Why `actor` may not call a procedure with `rule` (SESSION_REQUIRED, INSUFFICIENT_SCOPE, INSUFFICIENT_ROLE), or null. */
export function accessRefusal(actor: AccessActor, rule: AccessRule): ErrorReason | null {
  if (actor.type === 'apiKey') {
    if (!rule.apiKeyScope) return 'SESSION_REQUIRED';
    if (rule.apiKeyScope !== 'any' && !actor.scopes.includes(rule.apiKeyScope)) return 'INSUFFICIENT_SCOPE';
    // A key never does what its creator may no longer do: their role of now limits its scopes.
    return actor.role && rule.roles.includes(actor.role) ? null : 'INSUFFICIENT_ROLE';
  }
  return rule.roles.includes(actor.role) ? null : 'INSUFFICIENT_ROLE';
}

/** Who acts: a person with their role in the organization, or an API key (acting with its scopes). */
export type RuleActor = { type: 'user'; role: Role } | { type: 'apiKey' };

/**
 * The role an API key acts with: the role its person holds in the organization now, but never an
 * owner's (a key never does what only owners may; it acts with an admin's reach at most); for an
 * organization's own key (kept through its creator's removal), an admin's. Null when its person is no
 * longer an active member: such a key has no power. Read again under the organization lock, so a
 * demotion takes power away from the person's keys with its commit, and a promotion gives it back.
 */
export function apiKeyRole(actsFor: { organization: true } | { personRole: Role | null }): Role | null {
  if ('organization' in actsFor) return 'admin';
  return actsFor.personRole === 'owner' ? 'admin' : actsFor.personRole;
}

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
  // While the organization is scheduled for deletion nobody leaves (the memberships end with it), but
  // owners and admins still remove members: cutting someone's access is never blocked.
  if (facts.organizationStatus === 'deletion_scheduled' && (target.isActor || facts.kind === 'leave')) {
    return 'ORGANIZATION_DELETION_SCHEDULED';
  }
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

export interface InvitationFacts {
  organizationStatus: OrganizationStatus;
  actor: RuleActor;
  role: Role;
}

/** Why inviting someone as `role` (or revoking such an invitation) must be refused, or null. Checked under the lock too. */
export function invitationRefusal(facts: InvitationFacts): ErrorReason | null {
  if (!canManageInvitation(facts.actor, facts.role)) return 'INSUFFICIENT_ROLE';
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  return null;
}

/** May I? `{ allowed: true }`, or `{ allowed: false, reason }` with the reason the procedure would refuse with. */
export type Permission = { allowed: true } | { allowed: false; reason: ErrorReason };

export type RolePermissions = Record<Role, Permission>;

/** What `organizations.permissions` answers: every action the caller could try in the organization. */
export interface Permissions {
  leave: Permission;
  /** Removing another member who has this role. */
  remove: RolePermissions;
  /** Changing another member's role: `changeRole[from][to]`. */
  changeRole: Record<Role, RolePermissions>;
  /** Inviting someone with this role. */
  invite: RolePermissions;
  transferOwnership: Permission;
  /** Offering ownership to another member (the two-step transfer). */
  offerOwnership: Permission;
  scheduleDeletion: Permission;
  /** Renaming the organization or changing its slug. */
  updateOrganization: Permission;
  restore: Permission;
  export: Permission;
  manageApiKeys: Permission;
  manageWebhooks: Permission;
  readAuditLog: Permission;
}

/** What the permissions are computed from, read in one statement (`readOrganizationFacts`). */
export interface OrganizationFacts {
  status: OrganizationStatus;
  activeOwnerCount: number;
  /** Scheduled for deletion and the grace period is over (by the database's clock). */
  deletionDue: boolean;
  /** A pending, unexpired ownership offer exists (one per organization). */
  pendingOwnershipOffer: boolean;
}

const ROLE_LIST: readonly Role[] = ALL_ROLES;

function permission(reason: ErrorReason | null): Permission {
  return reason ? { allowed: false, reason } : { allowed: true };
}

function perRole(decide: (role: Role) => ErrorReason | null): RolePermissions {
  return Object.fromEntries(ROLE_LIST.map((role) => [role, permission(decide(role))])) as RolePermissions;
}

/**
 * Everything `actor` may do in the organization, and for each refusal the reason the procedure would
 * give: the allowlist of `ACCESS_RULES` first (as the guard does), then the same refusal functions the
 * procedures run under the organization lock. Targets are hypothetical: "another member with this role".
 */
export function permissionsFor(actor: AccessActor, organization: OrganizationFacts): Permissions {
  const ruleActor: RuleActor = actor.type === 'apiKey' ? { type: 'apiKey' } : actor;
  const factsActor: EndMembershipFacts['actor'] = actor.type === 'apiKey' ? { type: 'apiKey' } : actor;
  const access = (procedure: ScopedProcedure) => accessRefusal(actor, ACCESS_RULES[procedure]);
  const organizationStatus = organization.status;
  // Another member who is an owner means at least two owners when the caller is one too.
  const ownersBesides = (targetRole: Role) =>
    targetRole === 'owner' && actor.type === 'user' && actor.role === 'owner'
      ? Math.max(organization.activeOwnerCount, 2)
      : organization.activeOwnerCount;
  return {
    leave: permission(
      access('members.leave') ??
        endMembershipRefusal({
          kind: 'leave',
          organizationStatus,
          actor: factsActor,
          target: actor.type === 'user' ? { role: actor.role, isActor: true } : null,
          activeOwnerCount: organization.activeOwnerCount,
        }),
    ),
    remove: perRole(
      (role) =>
        access('members.remove') ??
        endMembershipRefusal({
          kind: 'remove',
          organizationStatus,
          actor: factsActor,
          target: { role, isActor: false },
          activeOwnerCount: ownersBesides(role),
        }),
    ),
    changeRole: Object.fromEntries(
      ROLE_LIST.map((from) => [
        from,
        perRole(
          (to) =>
            access('members.updateRole') ??
            roleChangeRefusal({
              organizationStatus,
              actor: factsActor,
              target: { role: from },
              nextRole: to,
              activeOwnerCount: ownersBesides(from),
            }),
        ),
      ]),
    ) as Record<Role, RolePermissions>,
    invite: perRole(
      (role) =>
        access('invitations.create') ?? invitationRefusal({ organizationStatus, actor: ruleActor, role }),
    ),
    transferOwnership: permission(
      access('members.transferOwnership') ??
        transferRefusal({
          organizationStatus,
          actorRole: actor.type === 'user' ? actor.role : null,
          target: { role: 'admin', isActor: false },
        }),
    ),
    offerOwnership: permission(
      access('members.offerOwnership') ??
        offerOwnershipRefusal({
          organizationStatus,
          target: { isActor: false },
          pendingOffer: organization.pendingOwnershipOffer,
        }),
    ),
    scheduleDeletion: permission(access('organizations.scheduleDeletion')),
    updateOrganization: permission(
      access('organizations.update') ?? organizationUpdateRefusal({ organizationStatus }),
    ),
    restore: permission(access('organizations.restore') ?? restoreRefusal(organization)),
    export: permission(access('organizations.export')),
    manageApiKeys: permission(access('apiKeys.create')),
    manageWebhooks: permission(access('webhooks.create')),
    readAuditLog: permission(access('auditLog.list')),
  };
}

/** Why renaming an organization or changing its slug must be refused, or null. Checked under the organization lock. */
export function organizationUpdateRefusal(facts: {
  organizationStatus: OrganizationStatus;
}): ErrorReason | null {
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  return null;
}

/** How long an organization scheduled for deletion can be restored, unless configured (`ORG_DELETION_GRACE_DAYS`). */
export const DEFAULT_ORG_DELETION_GRACE_DAYS = 30;

/**
 * Why `organizations.restore` must be refused, or null. Restoring an organization that is not scheduled
 * changes nothing (allowed); once the grace period is over the purge may already be ending memberships,
 * so it is too late (DELETION_GRACE_PERIOD_OVER).
 */
export function restoreRefusal(facts: Pick<OrganizationFacts, 'status' | 'deletionDue'>): ErrorReason | null {
  if (facts.status === 'deletion_scheduled' && facts.deletionDue) return 'DELETION_GRACE_PERIOD_OVER';
  return null;
}

/** An ownership offer lasts this long unless accepted, declined, cancelled or voided. */
export const OWNERSHIP_OFFER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Why an owner may not offer ownership to a member now, or null. Checked under the organization lock. */
export function offerOwnershipRefusal(facts: {
  organizationStatus: OrganizationStatus;
  /** The member offered to, re-read under the lock; null when not an active member of this organization. */
  target: { isActor: boolean } | null;
  /** A pending, unexpired offer already exists in the organization. */
  pendingOffer: boolean;
}): ErrorReason | null {
  if (!facts.target || facts.target.isActor) return 'MEMBER_NOT_FOUND';
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  if (facts.pendingOffer) return 'OWNERSHIP_OFFER_PENDING';
  return null;
}

/**
 * Why the caller may not accept (or decline) an ownership offer, or null. Checked under the organization
 * lock and the offer's row lock: the offer must be pending, unexpired and addressed to the caller, and
 * both sides still active with the roles they had (the offerer an owner, the target the role it was
 * offered in). An offer that died for any of those reasons looks like one that never existed.
 */
export function acceptOwnershipRefusal(facts: {
  offer: { status: string; expired: boolean; targetMembershipId: string; targetRole: Role } | null;
  organizationStatus: OrganizationStatus;
  /** The caller's active membership in the offer's organization. */
  caller: { id: string; role: Role } | null;
  /** The offerer's active membership, re-read. */
  offerer: { role: Role } | null;
  /** Declining needs only the offer to be the caller's; accepting needs everything. */
  kind: 'accept' | 'decline';
}): ErrorReason | null {
  const { offer, caller } = facts;
  if (offer?.status !== 'pending' || !caller || caller.id !== offer.targetMembershipId) {
    return 'OWNERSHIP_OFFER_NOT_FOUND';
  }
  if (offer.expired) return 'OWNERSHIP_OFFER_EXPIRED';
  if (facts.kind === 'decline') return null;
  if (facts.organizationStatus === 'deletion_scheduled') return 'ORGANIZATION_DELETION_SCHEDULED';
  if (caller.role !== offer.targetRole || facts.offerer?.role !== 'owner') return 'OWNERSHIP_OFFER_NOT_FOUND';
  return null;
}
