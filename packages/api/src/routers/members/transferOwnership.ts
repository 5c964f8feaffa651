import { z } from 'zod';
import { requireRole } from '../../procedures';
import { transferOwnership as transfer } from '../../services/roles';
import { id } from '../../validation';

export const transferOwnershipInput = z.strictObject({ organizationId: id, memberId: id });
export const transferOwnershipOutput = z.object({
  organizationId: id,
  owner: z.object({ memberId: id, userId: id, role: z.literal('owner') }),
  previousOwner: z.object({ memberId: id, userId: id, role: z.literal('admin') }),
});

/** An owner hands ownership to another active member: they become owner, the caller admin. */
export const transferOwnership = requireRole('members.transferOwnership')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/ownership-transfers',
      summary: 'Transfer ownership',
      description: 'The member (`memberId`) becomes owner, the calling owner admin, in one transaction.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'ORGANIZATION_DELETION_SCHEDULED',
      'MEMBER_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(transferOwnershipInput)
  .output(transferOwnershipOutput)
  .mutation(async ({ ctx, input }) => {
    return transfer(ctx.db, {
      organizationId: input.organizationId,
      actorUserId: ctx.caller.userId,
      membershipId: input.memberId,
    });
  });
