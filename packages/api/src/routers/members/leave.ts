import { z } from 'zod';
import { requireRoleUnderLock } from '../../procedures';
import { endMembership } from '../../services/end-membership';
import { id, slug } from '../../validation';

export const leaveInput = z.strictObject({ organizationId: id });
export const leaveOutput = z.object({
  organizationId: id,
  /** Where the client goes next: the caller's most recently joined other active organization, or null. */
  nextOrganization: z.object({ id, slug }).nullable(),
});

/**
 * Ends the caller's own membership (any role; people only). Refused for the last active owner
 * (AT_LEAST_ONE_OWNER_REQUIRED) and in an organization scheduled for deletion. Answers where the
 * client goes next: the caller's most recently joined other active organization, or null.
 */
export const leave = requireRoleUnderLock('members.leave')
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}/members/me',
      summary: 'Leave the organization',
      description:
        'Ends the caller’s own membership (people only). Answers where to go next: another active organization, or null.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'AT_LEAST_ONE_OWNER_REQUIRED',
      'ORGANIZATION_DELETION_SCHEDULED',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(leaveInput)
  .output(leaveOutput)
  .mutation(async ({ ctx, input }) => {
    // A people-only row: ctx.caller is a person. Their membership is found (and checked) under the lock.
    const result = await endMembership(ctx.db, {
      organizationId: input.organizationId,
      actor: ctx.caller,
      membershipId: null,
      kind: 'leave',
    });
    return { organizationId: result.organizationId, nextOrganization: result.nextOrganization };
  });
