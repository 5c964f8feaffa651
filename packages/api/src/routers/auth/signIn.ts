import { z } from 'zod';
import { RosterError } from '../../errors';
import { setSessionCookie } from '../../identity/cookies';
import { verifyAgainstDummy, verifyPassword } from '../../identity/password';
import { createSession, findFirstActiveOrganizationId } from '../../identity/sessions';
import { publicProcedure } from '../../procedures';
import { email } from '../../validation';

export const signInInput = z.strictObject({ email, password: z.string().min(1).max(200) });

/**
 * Signs in with email and password and sets the session cookie. A wrong password and an unknown email
 * get the same INVALID_CREDENTIALS and cost the same scrypt run, so neither the answer nor its timing
 * tells whether an account exists. The new session starts in the user's oldest active organization.
 */
export const signIn = publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
  const user = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash'])
    .where('email', '=', input.email)
    .executeTakeFirst();
  const valid = user?.password_hash
    ? await verifyPassword(input.password, user.password_hash)
    : await verifyAgainstDummy(input.password);
  if (!user || !valid) throw new RosterError('INVALID_CREDENTIALS');
  const activeOrganizationId = await findFirstActiveOrganizationId(ctx.db, user.id);
  const session = await createSession(ctx.db, user.id, activeOrganizationId);
  setSessionCookie(ctx.http, session.token, session.expiresAt);
  return { user: { id: user.id, email: user.email, name: user.name }, activeOrganizationId };
});
