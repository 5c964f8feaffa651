import { z } from 'zod';
import { RosterError } from '../../errors';
import { hashPassword, newPassword } from '../../identity/password';
import { publicProcedure } from '../../procedures';
import {
  emailTokenState,
  lockEmailToken,
  markEmailTokenUsed,
  revokeUserTokens,
} from '../../queries/email-tokens';
import { lockUser, markEmailVerified, revokeSessionsOfUser, setPasswordHash } from '../../queries/users';
import { emailToken } from '../../validation';

export const resetPasswordInput = z.strictObject({ token: emailToken, password: newPassword });
export const resetPasswordOutput = z.object({ email: z.string(), revokedSessions: z.number() });

/**
 * Sets a new password from a reset link and revokes every other session of that user (a session of the
 * same user making this call is kept; anyone else signed in as them is signed out). The link proved the
 * address, so it counts as verified. Single-use: the user's other reset links die too. Unknown, used or
 * replaced: TOKEN_INVALID; past one hour: TOKEN_EXPIRED; nothing changes then. It does not sign in.
 */
export const resetPassword = publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction().execute(async (trx) => {
    const token = await lockEmailToken(trx, input.token, 'password_reset');
    const state = emailTokenState(token);
    if (!token?.user_id || state === 'invalid') throw new RosterError('TOKEN_INVALID');
    if (state === 'expired') throw new RosterError('TOKEN_EXPIRED');
    const user = await lockUser(trx, token.user_id);
    if (user?.email !== token.email) throw new RosterError('TOKEN_INVALID');
    await markEmailTokenUsed(trx, token.id);
    await revokeUserTokens(trx, user.id, 'password_reset');
    await setPasswordHash(trx, user.id, passwordHash);
    await markEmailVerified(trx, user.id);
    const keep = ctx.caller?.type === 'user' && ctx.caller.userId === user.id ? ctx.caller.sessionId : null;
    const revokedSessions = await revokeSessionsOfUser(trx, user.id, keep);
    return { email: user.email, revokedSessions };
  });
});
