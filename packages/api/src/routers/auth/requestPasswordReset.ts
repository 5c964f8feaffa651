import { z } from 'zod';
import { enqueueMail } from '../../mail/outbox';
import { publicProcedure } from '../../procedures';
import { findUserByEmail, mailQueuedRecently } from '../../queries/users';
import { email } from '../../validation';

export const requestPasswordResetInput = z.strictObject({ email });
export const requestPasswordResetOutput = z.object({ email: z.string(), sent: z.literal(true) });

/** A reset mail at most this often per account (more requests answer the same and send nothing). */
const RESET_MAIL_EVERY_S = 60;

/**
 * Mails a password-reset link (single-use, one hour) to the address if it has an account. The answer is
 * the same whether or not it has one, so it tells nobody which addresses have accounts.
 */
export const requestPasswordReset = publicProcedure
  .input(requestPasswordResetInput)
  .mutation(async ({ ctx, input }) => {
    const user = await findUserByEmail(ctx.db, input.email);
    if (
      user &&
      !(await mailQueuedRecently(ctx.db, 'auth.password_reset', 'userId', user.id, RESET_MAIL_EVERY_S))
    ) {
      await enqueueMail(ctx.db, {
        kind: 'auth.password_reset',
        to: user.email,
        locale: user.locale,
        params: { userId: user.id },
      });
    }
    return { email: input.email, sent: true as const };
  });
