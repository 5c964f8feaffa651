import { z } from 'zod';
import { requireRoleUnderLock } from '../../procedures';
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
 * viewers. Removing your own membership is a leave (any role may do it; keys are revoked). The
 * `members.remove` allowlist is checked under the organization lock (see `requireRoleUnderLock`), where a
 * removal of oneself is told from a removal of someone else.
 */
export const remove = requireRoleUnderLock('members.remove')
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
