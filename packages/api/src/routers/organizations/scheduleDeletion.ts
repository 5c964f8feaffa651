import { z } from 'zod';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { markOrganizationDeletionScheduled } from '../../queries/organizations';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const scheduleDeletionInput = z.strictObject({ organizationId: id });

/**
 * Marks the organization `deletion_scheduled` (owners only, people only). From then on members can no
 * longer leave or be removed one by one: the memberships end with the organization. Idempotent.
 */
const rule = ACCESS_RULES['organizations.scheduleDeletion'];

export const scheduleDeletion = requireRole('organizations.scheduleDeletion')
  .input(scheduleDeletionInput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    return ctx.db.transaction().execute(async (trx) => {
      const { organization } = await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const updated = await markOrganizationDeletionScheduled(trx, input.organizationId);
      if (updated) {
        await insertAuditEntry(trx, {
          organizationId: input.organizationId,
          action: 'organization.deletion_scheduled',
          actorUserId: userId,
          actorApiKeyId: null,
        });
      }
      const row = updated ?? organization;
      return {
        id: organization.id,
        status: row.status,
        deletionScheduledAt: row.deletion_scheduled_at
          ? new Date(row.deletion_scheduled_at).toISOString()
          : null,
      };
    });
  });
