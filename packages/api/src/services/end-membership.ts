import type { Database, Role } from '@roster/db';
import type { Kysely } from 'kysely';
import { RosterError } from '../errors';
import { endMembershipAndRevokeAccess } from '../queries/end-membership';
import { ACCESS_RULES, endMembershipRefusal } from '../rules';
import { lockOrganizationForMembershipChange, type MembershipActor } from './actor';

export interface EndMembershipParams {
  organizationId: string;
  /** Who acts: a person (by user id) or an API key. */
  actor: MembershipActor;
  /** The membership to end; null: the actor's own (a leave). */
  membershipId: string | null;
  /** `leave`: the actor ends their own membership; `remove`: they end someone else's (or their own, which is a leave). */
  kind: 'leave' | 'remove';
  /** Keep the API keys the member created in the organization (removals only). */
  keepApiKeys?: boolean;
}

export interface EndMembershipResult {
  organizationId: string;
  membershipId: string;
  userId: string;
  role: Role;
  reason: 'left' | 'removed';
  revoked: { apiKeyIds: string[]; invitationIds: string[]; sessionsCleared: number };
  /** Where a leaver goes next: their most recently joined other active organization. */
  nextOrganization: { id: string; slug: string } | null;
}

/**
 * Ends a membership — a leave or a removal — in ONE transaction of two statements:
 * 1. lock the organization row and read, under the lock, the actor's and the target's active
 *    memberships and the active owner count (`lockOrganizationForMembershipChange`, one round trip);
 *    the caller's access is checked there, on that fresh read (membership changes of an organization
 *    run one at a time, so "never ownerless" is race-safe);
 * 2. decide with the pure rules (`endMembershipRefusal`), refusing with a typed reason; then, in one
 *    statement, soft-delete the membership, revoke the member's API keys, active-organization pointers,
 *    pending invitations and ownership offers in that organization, and write the audit entry and the
 *    `member.removed` outbox event.
 * With BEGIN and COMMIT, three round trips on PostgreSQL (`@roster/db` sends BEGIN with the first
 * statement). Shared by `members.leave` and `members.remove`; also usable
 * in-process by products (the access check included: a person removing someone else is held to the
 * `members.remove` allowlist, a key to its scope's).
 */
export async function endMembership(
  db: Kysely<Database>,
  params: EndMembershipParams,
): Promise<EndMembershipResult> {
  const actorUserId = params.actor.type === 'user' ? params.actor.userId : null;
  return db.transaction().execute(async (trx) => {
    // Also reads the actor's next organization: a removal of oneself is a leave.
    const { organization, state, actorFacts } = await lockOrganizationForMembershipChange(trx, {
      organizationId: params.organizationId,
      actor: params.actor,
      // A removal of someone else is held to the members.remove allowlist; an API key can only remove
      // (it has no membership to leave).
      rule: ACCESS_RULES['members.remove'],
      checkPeople: 'othersOnly',
      membershipId: params.membershipId,
      withNextOrganization: true,
    });
    const isSelf = state.actor !== null && state.target !== null && state.actor.id === state.target.id;
    const kind = params.kind === 'leave' || isSelf ? 'leave' : 'remove';
    const refusal = endMembershipRefusal({
      kind,
      organizationStatus: organization.status,
      actor: actorFacts,
      target: state.target ? { role: state.target.role, isActor: isSelf } : null,
      activeOwnerCount: state.activeOwnerCount,
    });
    if (refusal) throw new RosterError(refusal);
    // endMembershipRefusal returned null, so the target is an active membership of this organization.
    const target = state.target as NonNullable<typeof state.target>;
    if (kind === 'leave' && !isSelf) throw new RosterError('MEMBER_NOT_FOUND');

    const reason = kind === 'leave' ? 'left' : 'removed';
    const actorApiKeyId = params.actor.type === 'apiKey' ? params.actor.apiKeyId : null;
    const revoked = await endMembershipAndRevokeAccess(trx, {
      organizationId: params.organizationId,
      membershipId: target.id,
      userId: target.userId,
      reason,
      removedBy: actorUserId,
      // Leaving always revokes the leaver's keys: keepApiKeys is for an admin removing someone.
      keepApiKeys: kind === 'remove' && params.keepApiKeys === true,
      audit: {
        action: kind === 'leave' ? 'member.left' : 'member.removed',
        actorUserId,
        actorApiKeyId,
        metadata: { role: target.role },
      },
      event: {
        organizationId: params.organizationId,
        membershipId: target.id,
        userId: target.userId,
        role: target.role,
        reason,
        actor: { userId: actorUserId, apiKeyId: actorApiKeyId },
      },
    });
    if (!revoked) throw new RosterError('MEMBER_NOT_FOUND');
    return {
      organizationId: params.organizationId,
      membershipId: target.id,
      userId: target.userId,
      role: target.role,
      reason,
      revoked,
      nextOrganization: kind === 'leave' ? state.nextOrganization : null,
    };
  });
}
