import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import { RosterError } from '../errors';
import { insertAuditEntryAndEvent } from '../queries/audit';
import { lockForMembershipChange, setMembershipRole } from '../queries/memberships';
import { findOwnershipOffer, lockOwnershipOffer, resolveOwnershipOffer } from '../queries/ownership-offers';
import { acceptOwnershipRefusal } from '../rules';

/**
 * The target answers an ownership offer, in one transaction under the organization lock (serialized with
 * leaves, removals and role changes, which void offers) and the offer's row lock:
 * - `accept`: re-checks that the offer is pending, unexpired and the caller's, and that both sides are
 *   still active with the same roles; then the target becomes owner and the offerer admin, the offer is
 *   `accepted`, and one audit entry and one `ownership.transferred` event are written;
 * - `decline`: the offer is `declined`, with an audit entry and an `ownership.declined` event.
 * Anyone but the target gets OWNERSHIP_OFFER_NOT_FOUND, as for an unknown offer.
 */
export async function answerOwnershipOffer(
  db: Kysely<Database>,
  params: { offerId: string; userId: string; answer: 'accept' | 'decline' },
) {
  const found = await findOwnershipOffer(db, params.offerId);
  if (!found) throw new RosterError('OWNERSHIP_OFFER_NOT_FOUND');
  const organizationId = found.organization_id;
  return db.transaction().execute(async (trx) => {
    // Lock order: organization first, then the offer (a leave voids offers under the organization lock).
    // The offerer's membership is read under the organization lock, with the caller's.
    const { locked, organization, ...state } = await lockForMembershipChange(trx, {
      organizationId,
      actorUserId: params.userId,
      actorApiKeyId: null,
      targetMembershipId: found.offered_by_membership_id,
      withNextOrganization: false,
    });
    const offer = organization ? await lockOwnershipOffer(trx, params.offerId) : undefined;
    if (!organization || !offer) throw new RosterError('OWNERSHIP_OFFER_NOT_FOUND');
    // Allowed now but not when the lock was asked for (they joined in between): nothing was locked.
    if (!locked && state.actor) throw new RosterError('CONCURRENT_CHANGE');
    const refusal = acceptOwnershipRefusal({
      kind: params.answer,
      offer: {
        status: offer.status,
        expired: offer.expired,
        targetMembershipId: offer.target_membership_id,
        targetRole: offer.target_role,
      },
      organizationStatus: organization.status,
      caller: state.actor,
      offerer: state.target,
    });
    if (refusal) throw new RosterError(refusal);
    const caller = state.actor as NonNullable<typeof state.actor>;
    if (params.answer === 'decline') {
      await resolveOwnershipOffer(trx, offer.id, 'declined', params.userId);
      await insertAuditEntryAndEvent(
        trx,
        {
          organizationId,
          action: 'ownership.declined',
          actorUserId: params.userId,
          actorApiKeyId: null,
          targetUserId: params.userId,
          targetMembershipId: caller.id,
          metadata: { offerId: offer.id },
        },
        {
          type: 'ownership.declined',
          payload: {
            organizationId,
            offerId: offer.id,
            membershipId: caller.id,
            userId: params.userId,
            role: caller.role,
            actor: { userId: params.userId, apiKeyId: null },
          },
        },
      );
      return { offerId: offer.id, status: 'declined' as const, organizationId };
    }
    const offerer = state.target as NonNullable<typeof state.target>;
    await resolveOwnershipOffer(trx, offer.id, 'accepted', params.userId);
    await setMembershipRole(trx, caller.id, 'owner');
    await setMembershipRole(trx, offerer.id, 'admin');
    await insertAuditEntryAndEvent(
      trx,
      {
        organizationId,
        action: 'ownership.transferred',
        actorUserId: params.userId,
        actorApiKeyId: null,
        targetUserId: params.userId,
        targetMembershipId: caller.id,
        metadata: {
          offerId: offer.id,
          previousOwnerMembershipId: offerer.id,
          targetPreviousRole: caller.role,
        },
      },
      {
        type: 'ownership.transferred',
        payload: {
          organizationId,
          offerId: offer.id,
          membershipId: caller.id,
          userId: params.userId,
          role: 'owner',
          previousRole: caller.role,
          previousOwner: { membershipId: offerer.id, userId: offerer.userId, role: 'admin' },
          actor: { userId: params.userId, apiKeyId: null },
        },
      },
    );
    return {
      offerId: offer.id,
      status: 'accepted' as const,
      organizationId,
      owner: { memberId: caller.id, userId: params.userId, role: 'owner' as const },
      previousOwner: { memberId: offerer.id, userId: offerer.userId, role: 'admin' as const },
    };
  });
}
