import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { answerOwnershipOffer } from '../../services/ownership-offers';
import { id } from '../../validation';

export const acceptOwnershipInput = z.strictObject({ offerId: id });

/**
 * The target of an ownership offer accepts it (people only): in one transaction under the organization
 * lock, re-checking that both sides are still active with the same roles, the caller becomes owner and
 * the offerer admin. OWNERSHIP_OFFER_NOT_FOUND for anyone else, or an offer no longer pending;
 * OWNERSHIP_OFFER_EXPIRED after 7 days; ORGANIZATION_DELETION_SCHEDULED during a scheduled deletion.
 */
export const acceptOwnership = userProcedure
  .input(acceptOwnershipInput)
  .mutation(({ ctx, input }) =>
    answerOwnershipOffer(ctx.db, { offerId: input.offerId, userId: ctx.caller.userId, answer: 'accept' }),
  );
