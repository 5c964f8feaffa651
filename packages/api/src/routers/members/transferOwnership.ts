import { z } from 'zod';
import { requireRole } from '../../procedures';
import { transferOwnership as transfer } from '../../services/roles';
import { id } from '../../validation';

export const transferOwnershipInput = z.strictObject({ organizationId: id, memberId: id });

/** An owner hands ownership to another active member: they become owner, the caller admin. */
export const transferOwnership = requireRole('members.transferOwnership')
  .input(transferOwnershipInput)
  .mutation(async ({ ctx, input }) => {
    return transfer(ctx.db, {
      organizationId: input.organizationId,
      actorUserId: ctx.caller.userId,
      membershipId: input.memberId,
    });
  });
