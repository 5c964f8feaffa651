import { z } from 'zod';
import { RosterError } from '../../errors';
import { userProcedure } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { isUniqueViolation } from '../../queries/db';
import {
  findInvitation,
  findUserEmail,
  lockInvitation,
  markInvitationAccepted,
} from '../../queries/invitations';
import { insertMembership } from '../../queries/memberships';
import { lockOrganization } from '../../queries/organizations';
import { isInvitationExpired } from '../../rules';
import { id, name, role, slug } from '../../validation';

export const acceptInvitationInput = z.strictObject({ invitationId: id });
export const acceptInvitationOutput = z.object({
  memberId: id,
  role,
  organization: z.object({ id, slug, name }),
});

/**
 * Accepts an invitation addressed to the caller's email: a new active membership with the invited
 * role (also after the caller had left or been removed: that was another membership row).
 * An invitation for someone else looks like an unknown one (INVITATION_NOT_FOUND).
 */
export const accept = userProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/invitations/{invitationId}/accept',
      summary: 'Accept an invitation',
      description: 'A new active membership for the signed-in holder of the invited email.',
      tags: ['invitations'],
    },
    reasons: [
      'SESSION_REQUIRED',
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
    const email = await findUserEmail(ctx.db, userId);
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
        const membership = await insertMembership(trx, {
          organizationId: organization.id,
          userId,
          role: invitation.role,
        });
        await markInvitationAccepted(trx, invitation.id, userId);
        await insertAuditEntryAndEvent(
          trx,
          {
            organizationId: organization.id,
            action: 'invitation.accepted',
            actorUserId: userId,
            actorApiKeyId: null,
            targetUserId: userId,
            targetMembershipId: membership.id,
            metadata: {
              invitationId: invitation.id,
              role: invitation.role,
              invitedBy: invitation.invited_by,
            },
          },
          {
            type: 'member.added',
            payload: {
              organizationId: organization.id,
              membershipId: membership.id,
              userId,
              role: invitation.role,
              invitationId: invitation.id,
            },
          },
        );
        return {
          memberId: membership.id,
          role: membership.role,
          organization: { id: organization.id, slug: organization.slug, name: organization.name },
        };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'memberships_active_org_user_key'))
        throw new RosterError('ALREADY_MEMBER');
      throw error;
    }
  });
