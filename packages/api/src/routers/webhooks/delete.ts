import { z } from 'zod';
import { RosterError } from '../../errors';
import { deleteOrganizationWebhook, redactWebhookUrl } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const deleteWebhookInput = z.strictObject({ organizationId: id, webhookId: id });
export const deleteWebhookOutput = z.object({ id });

/** Stops deliveries to a webhook (owners only, people only); its pending deliveries are dropped. */
const rule = ACCESS_RULES['webhooks.delete'];

export const deleteWebhook = requireRole('webhooks.delete')
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}/webhooks/{webhookId}',
      summary: 'Delete a webhook',
      description:
        'Owners (people only). Deliveries to it stop; its pending deliveries are dropped. 204 on success.',
      tags: ['webhooks'],
      successDescription: 'Deleted.',
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'WEBHOOK_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
    rest: { successStatus: 204 },
  })
  .input(deleteWebhookInput)
  .output(deleteWebhookOutput)
  .mutation(async ({ ctx, input }) => {
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const deleted = await deleteOrganizationWebhook(trx, input.organizationId, input.webhookId);
      // A webhook of another organization is indistinguishable from one that does not exist.
      if (!deleted) throw new RosterError('WEBHOOK_NOT_FOUND');
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'webhook.deleted',
        actorUserId: ctx.caller.userId,
        actorApiKeyId: null,
        metadata: { webhookId: deleted.id, url: redactWebhookUrl(deleted.url) },
      });
      return { id: deleted.id };
    });
  });
