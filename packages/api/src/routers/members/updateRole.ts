import { z } from 'zod';
import { requireRole } from '../../procedures';
import { changeMemberRole } from '../../services/roles';
import { id, role } from '../../validation';

export const updateRoleInput = z.strictObject({ organizationId: id, memberId: id, role });

/** Owners change any role (never leaving the organization without an owner); admins switch members and viewers. */
export const updateRole = requireRole('members.updateRole')
  .input(updateRoleInput)
  .mutation(async ({ ctx, input }) =>
    changeMemberRole(ctx.db, {
      organizationId: input.organizationId,
      actor: ctx.caller,
      membershipId: input.memberId,
      role: input.role,
    }),
  );
