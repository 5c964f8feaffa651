import { z } from 'zod';
import { RosterError } from '../../errors';
import { userProcedure } from '../../procedures';
import { isUniqueViolation } from '../../queries/db';
import { findInvitation, lockInvitation } from '../../queries/invitations';
import { lockOrganization } from '../../queries/organizations';
import { findUserById } from '../../queries/users';
import { isInvitationExpired } from '../../rules';
import { acceptLockedInvitation } from '../../services/accept-invitation';
import { id, name, role, slug } from '../../validation';

export const acceptInvitationInput = z.strictObject({ invitationId: id });
export const acceptInvitationOutput = z.object({
  memberId: id,
  role,
  organization: z.object({ id, slug, name }),
});

/**
 * Accepts an invitation addressed to the caller's **verified** email: a new active membership with the
 * invited role (also after the caller had left or been removed: that was another membership row).
 * Anyone can sign up with any address, so an unproven address accepts nothing (EMAIL_NOT_VERIFIED; the
 * invitation's mailed link, `invitations.acceptByToken`, proves it and accepts in one step).
 * An invitation for someone else looks like an unknown one (INVITATION_NOT_FOUND).
 */
export const accept = userProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/invitations/{invitationId}/accept',
      summary: 'Accept an invitation',
      description: 'A new active membership for the signed-in, verified holder of the invited email.',
      tags: ['invitations'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'EMAIL_NOT_VERIFIED',
      'INVITATION_NOT_FOUND',
      'INVITATION_EXPIRED',
      'ORGANIZATION_DELETION_SCHEDULED',
      'ALREADY_MEMBER',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(acceptInvitationInput)
  .output(acceptInvitationOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    const user = await findUserById(ctx.db, userId);
    if (!user) throw new RosterError('UNAUTHENTICATED');
    if (!user.email_verified_at) throw new RosterError('EMAIL_NOT_VERIFIED');
    const email = user.email;
    try {
      // Lock order: organization first, then the invitation — the same order as a leave, which revokes
      // the leaver's pending invitations under the organization lock (the other order could deadlock).
      const found = await findInvitation(ctx.db, input.invitationId);
      if (found?.status !== 'pending' || found.email !== email) throw new RosterError('INVITATION_NOT_FOUND');
      return await ctx.db.transaction().execute(async (trx) => {
        // Joining is a membership change of the organization: serialize it with leaves and removals.
        const organization = await lockOrganization(trx, found.organization_id);
        const invitation = await lockInvitation(trx, input.invitationId);
        if (!organization || invitation?.status !== 'pending' || invitation.email !== email) {
          throw new RosterError('INVITATION_NOT_FOUND');
        }
        if (isInvitationExpired(new Date(invitation.expires_at))) throw new RosterError('INVITATION_EXPIRED');
        if (organization.status === 'deletion_scheduled')
          throw new RosterError('ORGANIZATION_DELETION_SCHEDULED');
        return acceptLockedInvitation(trx, { organization, invitation, userId });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'memberships_active_org_user_key'))
        throw new RosterError('ALREADY_MEMBER');
      throw error;
    }
  });
