import { z } from 'zod';
import { RosterError } from '../../errors';
import { userProcedure } from '../../procedures';
import { isUniqueViolation } from '../../queries/db';
import {
  emailTokenState,
  findEmailToken,
  lockEmailToken,
  markEmailTokenUsed,
} from '../../queries/email-tokens';
import { findInvitation, lockInvitation } from '../../queries/invitations';
import { lockOrganization } from '../../queries/organizations';
import { findUserById, markEmailVerified } from '../../queries/users';
import { isInvitationExpired } from '../../rules';
import { acceptLockedInvitation } from '../../services/accept-invitation';
import { emailToken } from '../../validation';

export const acceptInvitationByTokenInput = z.strictObject({ token: emailToken });

/**
 * Accepts the invitation whose mailed link (`/invite/<token>`) the caller opened. Following the link
 * proves the address, so the signed-in user's email must be the invited one (any case: emails are stored
 * lower-cased), and counts as verified from then on. Single-use: the token dies with the acceptance.
 * - unknown, used or replaced (a resend) token: TOKEN_INVALID;
 * - signed in with another address: INVITATION_FOR_ANOTHER_ADDRESS, and nothing changes (the link still
 *   works for the invited address);
 * - revoked or already accepted invitation: INVITATION_NOT_FOUND; past its expiry: INVITATION_EXPIRED.
 */
export const acceptByToken = userProcedure
  .input(acceptInvitationByTokenInput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    const user = await findUserById(ctx.db, userId);
    if (!user) throw new RosterError('UNAUTHENTICATED');
    const peek = await findEmailToken(ctx.db, input.token, 'invitation');
    if (!peek?.invitation_id || emailTokenState(peek) === 'invalid') throw new RosterError('TOKEN_INVALID');
    if (peek.email !== user.email) throw new RosterError('INVITATION_FOR_ANOTHER_ADDRESS');
    const found = await findInvitation(ctx.db, peek.invitation_id);
    if (!found) throw new RosterError('INVITATION_NOT_FOUND');
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        // Lock order as in invitations.accept: organization, invitation, then the token.
        const organization = await lockOrganization(trx, found.organization_id);
        const invitation = await lockInvitation(trx, found.id);
        const token = await lockEmailToken(trx, input.token, 'invitation');
        const state = emailTokenState(token);
        if (!token || state === 'invalid') throw new RosterError('TOKEN_INVALID');
        if (!organization || invitation?.status !== 'pending' || invitation.email !== token.email) {
          throw new RosterError('INVITATION_NOT_FOUND');
        }
        if (state === 'expired' || isInvitationExpired(new Date(invitation.expires_at))) {
          throw new RosterError('INVITATION_EXPIRED');
        }
        if (organization.status === 'deletion_scheduled')
          throw new RosterError('ORGANIZATION_DELETION_SCHEDULED');
        await markEmailTokenUsed(trx, token.id);
        await markEmailVerified(trx, userId);
        return acceptLockedInvitation(trx, { organization, invitation, userId });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'memberships_active_org_user_key'))
        throw new RosterError('ALREADY_MEMBER');
      throw error;
    }
  });
