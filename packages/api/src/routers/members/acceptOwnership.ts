import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { answerOwnershipOffer } from '../../services/ownership-offers';
import { id } from '../../validation';

export const acceptOwnershipInput = z.strictObject({ offerId: id });
export const acceptOwnershipOutput = z.object({
  offerId: id,
  status: z.literal('accepted'),
  organizationId: id,
  owner: z.object({ memberId: id, userId: id, role: z.literal('owner') }),
  previousOwner: z.object({ memberId: id, userId: id, role: z.literal('admin') }),
});

/**
 * The target of an ownership offer accepts it (people only): in one transaction under the organization
 * lock, re-checking that both sides are still active with the same roles, the caller becomes owner and
 * the offerer admin. OWNERSHIP_OFFER_NOT_FOUND for anyone else, or an offer no longer pending;
 * OWNERSHIP_OFFER_EXPIRED after 7 days; ORGANIZATION_DELETION_SCHEDULED during a scheduled deletion.
 */
export const acceptOwnership = userProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/ownership-offers/{offerId}/accept',
      summary: 'Accept an ownership offer',
      description:
        'The offer’s target (people only) becomes owner and the offerer admin, in one transaction, if both are ' +
        'still active with the same roles.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_DELETION_SCHEDULED',
      'OWNERSHIP_OFFER_NOT_FOUND',
      'OWNERSHIP_OFFER_EXPIRED',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(acceptOwnershipInput)
  .output(acceptOwnershipOutput)
  .mutation(async ({ ctx, input }) => {
    const answer = await answerOwnershipOffer(ctx.db, {
      offerId: input.offerId,
      userId: ctx.caller.userId,
      answer: 'accept',
    });
    // An accept answers with the transfer or a refusal; anything else would be a bug.
    if (answer.status !== 'accepted') throw new Error(`An accepted offer answered ${answer.status}`);
    return answer;
  });
