import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { answerOwnershipOffer } from '../../services/ownership-offers';
import { id } from '../../validation';

export const declineOwnershipInput = z.strictObject({ offerId: id });

/** The target of an ownership offer declines it (people only); nothing else changes. */
export const declineOwnership = userProcedure
  .input(declineOwnershipInput)
  .mutation(({ ctx, input }) =>
    answerOwnershipOffer(ctx.db, { offerId: input.offerId, userId: ctx.caller.userId, answer: 'decline' }),
  );
