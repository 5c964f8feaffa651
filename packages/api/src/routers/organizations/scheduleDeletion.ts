import { z } from 'zod';
import { enqueueMail } from '../../mail/outbox';
import { requireRole } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { listActiveOwners, markOrganizationDeletionScheduled } from '../../queries/organizations';
import { ACCESS_RULES, DEFAULT_ORG_DELETION_GRACE_DAYS } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, isoDateTime } from '../../validation';

export const scheduleDeletionInput = z.strictObject({ organizationId: id });

export const scheduleDeletionOutput = z.object({
  id,
  status: z.enum(['active', 'deletion_scheduled', 'deleted']),
  deletionScheduledAt: isoDateTime.nullable(),
  /** When the grace period ends: the purge deletes the organization after it. */
  deletionDueAt: isoDateTime.nullable(),
});

const rule = ACCESS_RULES['organizations.scheduleDeletion'];

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

/**
 * Schedules the organization's deletion for `ORG_DELETION_GRACE_DAYS` (default 30) from now (owners
 * only, people only). During the grace period an owner may restore it (`organizations.restore`) or
 * export it; members can no longer leave, and role changes, invitations and accepts are refused
 * (ORGANIZATION_DELETION_SCHEDULED), but removals still work. After it, the purge ends every membership.
 * Writes the audit entry and an `organization.deletion_scheduled` outbox event, and mails every owner.
 * Idempotent: scheduling a scheduled organization changes nothing.
 */
export const scheduleDeletion = requireRole('organizations.scheduleDeletion')
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}',
      summary: 'Schedule an organization’s deletion',
      description:
        'Owners (people only). Deletes nothing at once: schedules the deletion after the grace period ' +
        '(`ORG_DELETION_GRACE_DAYS`, default 30 days), answered as `deletionDueAt`. Until then owners may restore ' +
        'or export it; leaving, role changes and invitations answer 410. Scheduling again changes nothing.',
      tags: ['organizations'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE', 'CONCURRENT_CHANGE'],
  })
  .input(scheduleDeletionInput)
  .output(scheduleDeletionOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    const graceDays = ctx.deletionGraceDays ?? DEFAULT_ORG_DELETION_GRACE_DAYS;
    return ctx.db.transaction().execute(async (trx) => {
      const { organization } = await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const updated = await markOrganizationDeletionScheduled(trx, input.organizationId, graceDays);
      if (updated) {
        const deletionDueAt = iso(updated.deletion_due_at);
        const owners = await listActiveOwners(trx, input.organizationId);
        await insertAuditEntryAndEvent(
          trx,
          {
            organizationId: input.organizationId,
            action: 'organization.deletion_scheduled',
            actorUserId: userId,
            actorApiKeyId: null,
            metadata: { deletionDueAt, graceDays },
          },
          {
            type: 'organization.deletion_scheduled',
            payload: {
              organizationId: input.organizationId,
              deletionDueAt,
              actor: { userId, apiKeyId: null },
              ownerUserIds: owners.map((owner) => owner.id),
            },
          },
        );
        // Every owner is told, in their language (sent after commit by the server's mailer).
        for (const owner of owners) {
          await enqueueMail(trx, {
            kind: 'organization.deletion_scheduled',
            to: owner.email,
            locale: owner.locale,
            params: { organizationId: input.organizationId, userId: owner.id },
          });
        }
      }
      const row = updated ?? organization;
      return {
        id: organization.id,
        status: row.status,
        deletionScheduledAt: iso(row.deletion_scheduled_at),
        deletionDueAt: iso(row.deletion_due_at),
      };
    });
  });
