import { z } from 'zod';
import { hashPassword, newPassword } from '../../identity/password';
import { enqueueMail } from '../../mail/outbox';
import { publicProcedure } from '../../procedures';
import { findUserByEmail, mailQueuedRecently } from '../../queries/users';
import { email, locale, name } from '../../validation';

export const signUpInput = z.strictObject({ email, password: newPassword, name, locale: locale.optional() });

/** At most one "someone tried to sign up with your address" mail per account in this many seconds. */
const SIGN_UP_ATTEMPT_MAIL_EVERY_S = 10 * 60;

/**
 * Creates an account and mails a verification link to its address. It does not sign in: sign in with
 * `auth.signIn` next (unverified accounts may sign in and create organizations, but see no invitations by
 * address until the address is proven).
 *
 * No account enumeration: an address that already has an account gets the same answer (and costs the same
 * scrypt run), no change to that account, and its holder is mailed instead ("someone tried to sign up with
 * your address; sign in or reset your password").
 */
export const signUp = publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
  const passwordHash = await hashPassword(input.password);
  await ctx.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('users')
      .values({
        email: input.email,
        name: input.name,
        password_hash: passwordHash,
        locale: input.locale ?? 'en',
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning(['id', 'email', 'locale'])
      .executeTakeFirst();
    if (created) {
      await enqueueMail(trx, {
        kind: 'auth.verify_email',
        to: created.email,
        locale: created.locale,
        params: { userId: created.id },
      });
      return;
    }
    const holder = await findUserByEmail(trx, input.email);
    if (!holder) return;
    if (
      await mailQueuedRecently(
        trx,
        'auth.sign_up_attempted',
        'userId',
        holder.id,
        SIGN_UP_ATTEMPT_MAIL_EVERY_S,
      )
    ) {
      return;
    }
    await enqueueMail(trx, {
      kind: 'auth.sign_up_attempted',
      to: holder.email,
      locale: holder.locale,
      params: { userId: holder.id },
    });
  });
  return { email: input.email, verificationSent: true as const };
});
