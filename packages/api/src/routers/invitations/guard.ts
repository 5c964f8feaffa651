import { z } from 'zod';
import { RosterError } from '../../errors';
import { assertAccess, authedProcedure, resolveOrganizationAccess } from '../../procedures';
import { findInvitation } from '../../queries/invitations';
import { ACCESS_RULES } from '../../rules';
import { id } from '../../validation';

export const invitationIdInput = z.strictObject({ invitationId: id });

/** Who manages invitations: owners and admins (admins only for members and viewers), or members:write keys. */
export const manageInvitationRule = ACCESS_RULES['invitations.resend'];

/**
 * The guard for acting on one invitation (resend; revoke has its own twin): the invitation's organization, with the same
 * access rules as an org-scoped procedure. An unknown invitation and one of an organization the caller
 * cannot manage look the same (INVITATION_NOT_FOUND), so nothing is revealed about other organizations.
 */
export const invitationProcedure = authedProcedure
  .input(invitationIdInput)
  .use(async ({ ctx, input, next }) => {
    const invitation = await findInvitation(ctx.db, input.invitationId);
    if (!invitation) throw new RosterError('INVITATION_NOT_FOUND');
    const access = await resolveOrganizationAccess(ctx.db, ctx.caller, invitation.organization_id).catch(
      (error: unknown) => {
        if (error instanceof RosterError && error.reason === 'ORGANIZATION_NOT_FOUND') {
          throw new RosterError('INVITATION_NOT_FOUND');
        }
        throw error;
      },
    );
    assertAccess({ caller: ctx.caller, ...access }, manageInvitationRule);
    return next({ ctx: { ...access, invitation } });
  });
