import { z } from 'zod';
import { RosterError } from '../../errors';
import { setSessionCookie } from '../../identity/cookies';
import { hashPassword, newPassword } from '../../identity/password';
import { createSession } from '../../identity/sessions';
import { publicProcedure } from '../../procedures';
import { email, name } from '../../validation';

export const signUpInput = z.strictObject({ email, password: newPassword, name });

/** Creates an account and signs it in (sets the session cookie). EMAIL_TAKEN if the email has one. */
export const signUp = publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
  const passwordHash = await hashPassword(input.password);
  const user = await ctx.db
    .insertInto('users')
    .values({ email: input.email, name: input.name, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id', 'email', 'name'])
    .executeTakeFirst();
  if (!user) throw new RosterError('EMAIL_TAKEN');
  const session = await createSession(ctx.db, user.id, null);
  setSessionCookie(ctx.http, session.token, session.expiresAt);
  return { user, activeOrganizationId: null };
});
