import { z } from 'zod';
import { RosterError } from '../../errors';
import { findOrganizationDelivery, redactWebhookUrl, requeueDeadDelivery } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const redeliverInput = z.strictObject({ organizationId: id, deliveryId: id });

export const redeliverOutput = z.object({
  id,
  status: z.literal('pending'),
  /** The attempts so far; the redelivery is attempt `attempts + 1`, and the last one. */
  attempts: z.number().int(),
});

/**
 * Sends a dead-lettered delivery once more (owners only, people only): it is queued, due at once, for
 * exactly one more attempt with the same event id, and its endpoint's circuit-breaker pause is lifted.
 * Only a `dead` delivery can be redelivered: asking again while it is queued, or once it is delivered,
 * is refused with WEBHOOK_DELIVERY_NOT_REDELIVERABLE, so a redelivery arrives once.
 */
const rule = ACCESS_RULES['webhooks.redeliver'];

export const redeliver = requireRole('webhooks.redeliver')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/webhook-deliveries/{deliveryId}/redeliver',
      summary: 'Redeliver a dead delivery',
      description:
        'Owners (people only). Queues a `dead` delivery for exactly one more attempt, due at once, with the same ' +
        'event id, and lifts its endpoint’s circuit-breaker pause.',
      tags: ['webhooks'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'WEBHOOK_DELIVERY_NOT_FOUND',
      'WEBHOOK_DELIVERY_NOT_REDELIVERABLE',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(redeliverInput)
  .output(redeliverOutput)
  .mutation(async ({ ctx, input }) => {
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const delivery = await findOrganizationDelivery(trx, input.organizationId, input.deliveryId);
      // A delivery of another organization is indistinguishable from one that does not exist.
      if (!delivery) throw new RosterError('WEBHOOK_DELIVERY_NOT_FOUND');
      const requeued =
        delivery.status === 'dead'
          ? await requeueDeadDelivery(trx, { id: delivery.id, webhookId: delivery.webhook_id })
          : null;
      if (!requeued) {
        throw new RosterError(
          'WEBHOOK_DELIVERY_NOT_REDELIVERABLE',
          `The delivery is ${delivery.status}; only a dead delivery can be redelivered`,
          { details: { status: delivery.status } },
        );
      }
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'webhook.redelivered',
        actorUserId: ctx.caller.userId,
        actorApiKeyId: null,
        metadata: {
          webhookId: delivery.webhook_id,
          // The URL as `webhook.created` writes it (no user info, query or fragment).
          url: redactWebhookUrl(delivery.url),
          deliveryId: delivery.id,
          eventId: delivery.event_id,
        },
      });
      return { id: requeued.id, status: 'pending' as const, attempts: requeued.attempts };
    });
  });
