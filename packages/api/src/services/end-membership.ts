import type { Database, Role } from '@roster/db';
import type { Kysely } from 'kysely';
import { RosterError } from '../errors';
import { insertAuditEntryAndEvent } from '../queries/audit';
import { endMembershipAndRevokeAccess } from '../queries/end-membership';
import { ACCESS_RULES, endMembershipRefusal } from '../rules';
import { lockOrganizationForMembershipChange, type MembershipActor } from './actor';

export interface EndMembershipParams {
  organizationId: string;
  /** Who acts: a person (by user id) or an API key. */
  actor: MembershipActor;
  /** The membership to end. For a leave, the actor's own. */
  membershipId: string;
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
 * Ends a membership — a leave or a removal — in ONE transaction of five statements:
 * 1. lock the organization row (membership changes of an organization run one at a time);
 * 2. re-read the actor's and the target's active memberships and the active owner count under the
 *    lock (the guard ran before the lock; this re-check is what makes "never ownerless" race-safe);
 * 3. decide with the pure rules (`endMembershipRefusal`), refusing with a typed reason;
 * 4. soft-delete the membership and revoke the member's API keys, active-organization pointers and
 *    pending invitations in that organization (one statement);
 * 5. write the audit entry and the `member.removed` outbox event (one statement).
 * Shared by `members.leave` and `members.remove`; also usable in-process by products.
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
      // An API key can only remove (it has no membership to leave): it is held to that allowlist again.
      rule: ACCESS_RULES['members.remove'],
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
    const revoked = await endMembershipAndRevokeAccess(trx, {
      organizationId: params.organizationId,
      membershipId: target.id,
      userId: target.userId,
      reason,
      removedBy: actorUserId,
      // Leaving always revokes the leaver's keys: keepApiKeys is for an admin removing someone.
      keepApiKeys: kind === 'remove' && params.keepApiKeys === true,
    });
    if (!revoked) throw new RosterError('MEMBER_NOT_FOUND');

    const actorApiKeyId = params.actor.type === 'apiKey' ? params.actor.apiKeyId : null;
    await insertAuditEntryAndEvent(
      trx,
      {
        organizationId: params.organizationId,
        action: kind === 'leave' ? 'member.left' : 'member.removed',
        actorUserId,
        actorApiKeyId,
        targetUserId: target.userId,
        targetMembershipId: target.id,
        metadata: {
          role: target.role,
          revoked: {
            apiKeyIds: revoked.apiKeyIds,
            invitationIds: revoked.invitationIds,
            sessionsCleared: revoked.sessionsCleared,
          },
          // Kept through the removal: now the organization's own keys.
          ...(revoked.keptApiKeyIds.length > 0 ? { keptApiKeyIds: revoked.keptApiKeyIds } : {}),
        },
      },
      {
        type: 'member.removed',
        payload: {
          organizationId: params.organizationId,
          membershipId: target.id,
          userId: target.userId,
          role: target.role,
          reason,
          actor: { userId: actorUserId, apiKeyId: actorApiKeyId },
          revoked: { apiKeys: revoked.apiKeyIds.length, invitations: revoked.invitationIds.length },
        },
      },
    );
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
