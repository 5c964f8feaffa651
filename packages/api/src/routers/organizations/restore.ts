import { z } from 'zod';
import { RosterError } from '../../errors';
import { requireRole } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { markOrganizationRestored } from '../../queries/organizations';
import { ACCESS_RULES, restoreRefusal } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const restoreInput = z.strictObject({ organizationId: id });
export const restoreOutput = z.object({ id, status: z.enum(['active']) });

const rule = ACCESS_RULES['organizations.restore'];

/**
 * Cancels a scheduled deletion during its grace period (owners only, people only): the organization is
 * active again, with every membership as it was. After the grace period: DELETION_GRACE_PERIOD_OVER.
 * Restoring an active organization changes nothing. Writes the audit entry and an `organization.restored`
 * outbox event.
 */
export const restore = requireRole('organizations.restore')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/restore',
      summary: 'Restore an organization scheduled for deletion',
      description:
        'Owners (people only). Cancels a scheduled deletion during its grace period: everything is as it was. ' +
        'Restoring an active organization changes nothing.',
      tags: ['organizations'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'DELETION_GRACE_PERIOD_OVER',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(restoreInput)
  .output(restoreOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    return ctx.db.transaction().execute(async (trx) => {
      const { organization } = await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const refusal = restoreRefusal({ status: organization.status, deletionDue: organization.deletion_due });
      if (refusal) throw new RosterError(refusal);
      if (organization.status === 'deletion_scheduled') {
        const restored = await markOrganizationRestored(trx, input.organizationId);
        // Under the lock and with the grace period checked, this cannot miss; a miss would be a bug.
        if (!restored) throw new RosterError('DELETION_GRACE_PERIOD_OVER');
        await insertAuditEntryAndEvent(
          trx,
          {
            organizationId: input.organizationId,
            action: 'organization.restored',
            actorUserId: userId,
            actorApiKeyId: null,
          },
          {
            type: 'organization.restored',
            payload: { organizationId: input.organizationId, actor: { userId, apiKeyId: null } },
          },
        );
      }
      return { id: organization.id, status: 'active' as const };
    });
  });
