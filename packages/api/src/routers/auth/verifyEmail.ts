import { z } from 'zod';
import { RosterError } from '../../errors';
import { publicProcedure } from '../../procedures';
import {
  emailTokenState,
  lockEmailToken,
  markEmailTokenUsed,
  revokeUserTokens,
} from '../../queries/email-tokens';
import { lockUser, markEmailVerified } from '../../queries/users';
import { emailToken } from '../../validation';

export const verifyEmailInput = z.strictObject({ token: emailToken });
export const verifyEmailOutput = z.object({ email: z.string(), verified: z.literal(true) });

/**
 * Follows the verification link mailed at sign-up: the address counts as proven from now on. The token is
 * single-use (the user's other verification links die with it). It does not need a session: the link is
 * the proof. Unknown, used or replaced: TOKEN_INVALID; past 24 h: TOKEN_EXPIRED; nothing changes then.
 */
export const verifyEmail = publicProcedure.input(verifyEmailInput).mutation(async ({ ctx, input }) => {
  return ctx.db.transaction().execute(async (trx) => {
    const token = await lockEmailToken(trx, input.token, 'verify_email');
    const state = emailTokenState(token);
    if (!token?.user_id || state === 'invalid') throw new RosterError('TOKEN_INVALID');
    if (state === 'expired') throw new RosterError('TOKEN_EXPIRED');
    const user = await lockUser(trx, token.user_id);
    // The link proves the address it was mailed to, not whatever the account's address is now.
    if (user?.email !== token.email) throw new RosterError('TOKEN_INVALID');
    await markEmailTokenUsed(trx, token.id);
    await revokeUserTokens(trx, user.id, 'verify_email');
    await markEmailVerified(trx, user.id);
    return { email: user.email, verified: true as const };
  });
});
