import { z } from 'zod';
import { requireRole } from '../../procedures';
import { changeMemberRole } from '../../services/roles';
import { id, role } from '../../validation';

export const updateRoleInput = z.strictObject({ organizationId: id, memberId: id, role });
export const updateRoleOutput = z.object({ memberId: id, userId: id, role, previousRole: role });

/** Owners change any role (never leaving the organization without an owner); admins switch members and viewers. */
export const updateRole = requireRole('members.updateRole')
  .meta({
    openapi: {
      method: 'PATCH',
      path: '/organizations/{organizationId}/members/{memberId}',
      summary: 'Change a member’s role',
      tags: ['members'],
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
  })
  .input(updateRoleInput)
  .output(updateRoleOutput)
  .mutation(async ({ ctx, input }) =>
    changeMemberRole(ctx.db, {
      organizationId: input.organizationId,
      actor: ctx.caller,
      membershipId: input.memberId,
      role: input.role,
    }),
  );
