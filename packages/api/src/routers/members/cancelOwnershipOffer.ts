import { z } from 'zod';
import { RosterError } from '../../errors';
import { requireRole } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { lockOwnershipOffer, resolveOwnershipOffer } from '../../queries/ownership-offers';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const cancelOwnershipOfferInput = z.strictObject({ organizationId: id, offerId: id });
export const cancelOwnershipOfferOutput = z.object({ offerId: id, status: z.literal('cancelled') });

const rule = ACCESS_RULES['members.cancelOwnershipOffer'];

/**
 * An owner withdraws the organization's pending ownership offer (any owner, people only). An offer of
 * another organization, or one no longer pending: OWNERSHIP_OFFER_NOT_FOUND. Writes the audit entry and an
 * `ownership.offer_cancelled` event.
 */
export const cancelOwnershipOffer = requireRole('members.cancelOwnershipOffer')
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}/ownership-offers/{offerId}',
      summary: 'Withdraw an ownership offer',
      description: 'Any owner (people only) withdraws the organization’s pending ownership offer.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'OWNERSHIP_OFFER_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(cancelOwnershipOfferInput)
  .output(cancelOwnershipOfferOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const offer = await lockOwnershipOffer(trx, input.offerId);
      if (offer?.organization_id !== input.organizationId || offer.status !== 'pending') {
        throw new RosterError('OWNERSHIP_OFFER_NOT_FOUND');
      }
      await resolveOwnershipOffer(trx, offer.id, 'cancelled', userId);
      await insertAuditEntryAndEvent(
        trx,
        {
          organizationId: input.organizationId,
          action: 'ownership.offer_cancelled',
          actorUserId: userId,
          actorApiKeyId: null,
          // The person the offer was for, as on the other ownership entries (the log's target filter).
          targetUserId: offer.target_user_id,
          targetMembershipId: offer.target_membership_id,
          metadata: { offerId: offer.id },
        },
        {
          type: 'ownership.offer_cancelled',
          payload: {
            organizationId: input.organizationId,
            offerId: offer.id,
            membershipId: offer.target_membership_id,
            actor: { userId, apiKeyId: null },
          },
        },
      );
      return { offerId: offer.id, status: 'cancelled' as const };
    });
  });
