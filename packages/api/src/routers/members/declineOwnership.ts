import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { answerOwnershipOffer } from '../../services/ownership-offers';
import { id } from '../../validation';

export const declineOwnershipInput = z.strictObject({ offerId: id });
export const declineOwnershipOutput = z.object({
  offerId: id,
  status: z.literal('declined'),
  organizationId: id,
});

/** The target of an ownership offer declines it (people only); nothing else changes. */
export const declineOwnership = userProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/ownership-offers/{offerId}/decline',
      summary: 'Decline an ownership offer',
      description: 'The offer’s target (people only) declines it; nothing else changes.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'OWNERSHIP_OFFER_NOT_FOUND',
      'OWNERSHIP_OFFER_EXPIRED',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(declineOwnershipInput)
  .output(declineOwnershipOutput)
  .mutation(async ({ ctx, input }) => {
    const answer = await answerOwnershipOffer(ctx.db, {
      offerId: input.offerId,
      userId: ctx.caller.userId,
      answer: 'decline',
    });
    // A decline answers declined or a refusal; anything else would be a bug.
    if (answer.status !== 'declined') throw new Error(`A declined offer answered ${answer.status}`);
    return answer;
  });
