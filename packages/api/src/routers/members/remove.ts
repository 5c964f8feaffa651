import { z } from 'zod';
import { assertAccess, orgProcedure } from '../../procedures';
import { ACCESS_RULES } from '../../rules';
import { endMembership } from '../../services/end-membership';
import { id } from '../../validation';

export const removeMemberInput = z.strictObject({
  organizationId: id,
  /** The membership id (members.list items' `id`). */
  memberId: id,
  /** Keep the API keys the member created in the organization (default: revoke them). */
  keepApiKeys: z.boolean().optional(),
});

/**
 * Removes a member: owners may remove anyone, admins (and API keys with members:write) members and
 * viewers. Removing your own membership is a leave (any role may do it; keys are revoked).
 */
export const remove = orgProcedure
  .input(removeMemberInput)
  .use(({ ctx, input, next }) => {
    const removesSelf = ctx.caller.type === 'user' && ctx.membership?.id === input.memberId;
    if (!removesSelf) assertAccess(ctx, ACCESS_RULES['members.remove']);
    return next();
  })
  .mutation(async ({ ctx, input }) => {
    const result = await endMembership(ctx.db, {
      organizationId: input.organizationId,
      actor: ctx.caller,
      membershipId: input.memberId,
      kind: 'remove',
      keepApiKeys: input.keepApiKeys ?? false,
    });
    return {
      memberId: result.membershipId,
      revoked: { apiKeys: result.revoked.apiKeyIds.length, invitations: result.revoked.invitationIds.length },
    };
  });
