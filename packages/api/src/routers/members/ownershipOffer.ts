import { z } from 'zod';
import { requireRole } from '../../procedures';
import { findPendingOwnershipOffer } from '../../queries/ownership-offers';
import { id, isoDateTime, role } from '../../validation';

export const ownershipOfferInput = z.strictObject({ organizationId: id });
const offerParty = z.object({ memberId: id, userId: id, name: z.string(), email: z.string() });
export const ownershipOfferOutput = z
  .object({
    id,
    offeredBy: offerParty,
    /** `role`: the target's role when the offer was made. */
    target: offerParty.extend({ role }),
    /** The caller is the one offered ownership: they may accept or decline. */
    forMe: z.boolean(),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
  })
  .nullable();

/**
 * The organization's pending, unexpired ownership offer — for its owners and its target; null for
 * everyone else, and when there is none (people only).
 */
export const ownershipOffer = requireRole('members.ownershipOffer')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/ownership-offer',
      summary: 'The pending ownership offer',
      description:
        'Any member (people only). The organization’s pending, unexpired ownership offer for its owners and its ' +
        'target; `null` for everyone else, and when there is none.',
      tags: ['members'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND'],
  })
  .input(ownershipOfferInput)
  .output(ownershipOfferOutput)
  .query(async ({ ctx, input }) => {
    const offer = await findPendingOwnershipOffer(ctx.db, input.organizationId);
    if (!offer) return null;
    const isTarget = offer.target_membership_id === ctx.membership.id;
    if (ctx.membership.role !== 'owner' && !isTarget) return null;
    return {
      id: offer.id,
      offeredBy: {
        memberId: offer.by_membership_id,
        userId: offer.by_user_id,
        name: offer.by_name,
        email: offer.by_email,
      },
      target: {
        memberId: offer.target_membership_id,
        userId: offer.target_user_id,
        name: offer.target_name,
        email: offer.target_email,
        role: offer.target_role,
      },
      forMe: isTarget,
      createdAt: new Date(offer.created_at).toISOString(),
      expiresAt: new Date(offer.expires_at).toISOString(),
    };
  });
