import { z } from 'zod';
import { assertAccess, orgProcedure } from '../../procedures';
import { ACCESS_RULES } from '../../rules';
import { endMembership } from '../../services/end-membership';
import { id } from '../../validation';

export const removeMemberOutput = z.object({
  memberId: id,
  /** How many of the member's API keys and pending invitations were revoked with the removal. */
  revoked: z.object({ apiKeys: z.number().int(), invitations: z.number().int() }),
});

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
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}/members/{memberId}',
      summary: 'Remove a member',
      description:
        'Owners remove anyone; admins and `members:write` keys members and viewers. Revokes the member’s keys ' +
        '(unless `keepApiKeys=true`), pending invitations and session pointers in one transaction. 204 on success.',
      tags: ['members'],
      successDescription: 'Removed.',
    },
    reasons: [
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'INSUFFICIENT_SCOPE',
      'AT_LEAST_ONE_OWNER_REQUIRED',
      'ORGANIZATION_DELETION_SCHEDULED',
      'MEMBER_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
    rest: { successStatus: 204 },
  })
  .input(removeMemberInput)
  .output(removeMemberOutput)
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
