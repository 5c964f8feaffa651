import type { Database, Role } from '@roster/db';
import type { Kysely } from 'kysely';
import { RosterError } from '../errors';
import { insertAuditEntryAndEvent } from '../queries/audit';
import { setMembershipRole } from '../queries/memberships';
import { voidOwnershipOffersOf } from '../queries/ownership-offers';
import { ACCESS_RULES, roleChangeRefusal, transferRefusal } from '../rules';
import { lockOrganizationForMembershipChange, type MembershipActor } from './actor';

/**
 * Changes a member's role under the organization lock, like a leave: a demotion racing a leave (or
 * another demotion) is decided on fresh counts, so the organization never ends up without an owner.
 * A change writes its audit entry and its `member.role_changed` outbox event in one statement; setting
 * the role a member already has changes nothing and writes neither.
 */
export async function changeMemberRole(
  db: Kysely<Database>,
  params: { organizationId: string; actor: MembershipActor; membershipId: string; role: Role },
) {
  const actorUserId = params.actor.type === 'user' ? params.actor.userId : null;
  return db.transaction().execute(async (trx) => {
    const { organization, state, actorFacts } = await lockOrganizationForMembershipChange(trx, {
      organizationId: params.organizationId,
      actor: params.actor,
      rule: ACCESS_RULES['members.updateRole'],
      membershipId: params.membershipId,
    });
    const refusal = roleChangeRefusal({
      organizationStatus: organization.status,
      actor: actorFacts,
      target: state.target,
      nextRole: params.role,
      activeOwnerCount: state.activeOwnerCount,
    });
    if (refusal) throw new RosterError(refusal);
    const target = state.target as NonNullable<typeof state.target>;
    const previousRole = target.role;
    if (previousRole !== params.role) {
      await setMembershipRole(trx, target.id, params.role);
      // An ownership offer made by or to this member dies with the role it was made in.
      await voidOwnershipOffersOf(trx, params.organizationId, [target.id]);
      const actorApiKeyId = params.actor.type === 'apiKey' ? params.actor.apiKeyId : null;
      await insertAuditEntryAndEvent(
        trx,
        {
          organizationId: params.organizationId,
          action: 'member.role_changed',
          actorUserId,
          actorApiKeyId,
          targetUserId: target.userId,
          targetMembershipId: target.id,
          metadata: { from: previousRole, to: params.role },
        },
        {
          type: 'member.role_changed',
          payload: {
            organizationId: params.organizationId,
            membershipId: target.id,
            userId: target.userId,
            role: params.role,
            previousRole,
            actor: { userId: actorUserId, apiKeyId: actorApiKeyId },
          },
        },
      );
    }
    return { memberId: target.id, userId: target.userId, role: params.role, previousRole };
  });
}

/**
 * Makes another active member an owner and the calling owner an admin, in one transaction, with one
 * audit entry and one `ownership.transferred` outbox event (one statement) for the change.
 */
export async function transferOwnership(
  db: Kysely<Database>,
  params: { organizationId: string; actorUserId: string; membershipId: string },
) {
  return db.transaction().execute(async (trx) => {
    const { organization, state } = await lockOrganizationForMembershipChange(trx, {
      organizationId: params.organizationId,
      actor: { type: 'user', userId: params.actorUserId },
      // People only (owners): the transfer rule below decides.
      rule: ACCESS_RULES['members.transferOwnership'],
      membershipId: params.membershipId,
    });
    const refusal = transferRefusal({
      organizationStatus: organization.status,
      actorRole: state.actor?.role ?? null,
      target: state.target ? { role: state.target.role, isActor: state.target.id === state.actor?.id } : null,
    });
    if (refusal) throw new RosterError(refusal);
    const actor = state.actor as NonNullable<typeof state.actor>;
    const target = state.target as NonNullable<typeof state.target>;
    await setMembershipRole(trx, target.id, 'owner');
    await setMembershipRole(trx, actor.id, 'admin');
    await voidOwnershipOffersOf(trx, params.organizationId, [target.id, actor.id]);
    await insertAuditEntryAndEvent(
      trx,
      {
        organizationId: params.organizationId,
        action: 'ownership.transferred',
        actorUserId: params.actorUserId,
        actorApiKeyId: null,
        targetUserId: target.userId,
        targetMembershipId: target.id,
        metadata: { previousOwnerMembershipId: actor.id, targetPreviousRole: target.role },
      },
      {
        type: 'ownership.transferred',
        payload: {
          organizationId: params.organizationId,
          // The new owner (membershipId / userId, like the other membership events) ...
          membershipId: target.id,
          userId: target.userId,
          role: 'owner',
          previousRole: target.role,
          // ... and the previous owner, now an admin.
          previousOwner: { membershipId: actor.id, userId: params.actorUserId, role: 'admin' },
          actor: { userId: params.actorUserId, apiKeyId: null },
        },
      },
    );
    return {
      organizationId: params.organizationId,
      owner: { memberId: target.id, userId: target.userId, role: 'owner' as const },
      previousOwner: { memberId: actor.id, userId: params.actorUserId, role: 'admin' as const },
    };
  });
}
