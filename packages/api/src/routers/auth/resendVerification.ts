import { z } from 'zod';
import { RosterError } from '../../errors';
import { enqueueMail } from '../../mail/outbox';
import { userProcedure } from '../../procedures';
import { findUserById, mailQueuedRecently } from '../../queries/users';

export const resendVerificationOutput = z.object({
  status: z.enum(['sent', 'already_verified', 'recently_sent']),
});

/** A verification mail at most this often per account. */
const RESEND_EVERY_S = 60;

/**
 * Mails the signed-in user a new verification link (the older links keep working until one is used).
 * `already_verified`: nothing to do; `recently_sent`: one was queued less than a minute ago, none now.
 */
export const resendVerification = userProcedure
  .input(z.strictObject({}).optional())
  .mutation(async ({ ctx }) => {
    const user = await findUserById(ctx.db, ctx.caller.userId);
    if (!user) throw new RosterError('UNAUTHENTICATED');
    if (user.email_verified_at) return { status: 'already_verified' as const };
    if (await mailQueuedRecently(ctx.db, 'auth.verify_email', 'userId', user.id, RESEND_EVERY_S)) {
      return { status: 'recently_sent' as const };
    }
    await enqueueMail(ctx.db, {
      kind: 'auth.verify_email',
      to: user.email,
      locale: user.locale,
      params: { userId: user.id },
    });
    return { status: 'sent' as const };
  });
