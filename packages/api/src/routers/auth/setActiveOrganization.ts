import { z } from 'zod';
import { RosterError } from '../../errors';
import { setSessionActiveOrganization } from '../../identity/sessions';
import { userProcedure } from '../../procedures';
import { findOrganizationAccess } from '../../queries/access';
import { id } from '../../validation';

export const setActiveOrganizationInput = z.strictObject({ organizationId: id });

/**
 * Points the session at an organization the caller is an active member of (else ORGANIZATION_NOT_FOUND,
 * whether or not it exists). Needs a session: with a product's own `authenticate` there may be none.
 */
export const setActiveOrganization = userProcedure
  .input(setActiveOrganizationInput)
  .mutation(async ({ ctx, input }) => {
    const access = await findOrganizationAccess(ctx.db, input.organizationId, ctx.caller.userId);
    if (!access?.membership) throw new RosterError('ORGANIZATION_NOT_FOUND');
    if (!ctx.caller.sessionId) throw new RosterError('SESSION_REQUIRED');
    await setSessionActiveOrganization(ctx.db, ctx.caller.sessionId, input.organizationId);
    return { activeOrganizationId: input.organizationId };
  });
