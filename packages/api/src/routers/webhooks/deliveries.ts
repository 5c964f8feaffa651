import { OUTBOX_STATUSES } from '@roster/db';
import { z } from 'zod';
import { listOrganizationDeliveries } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { id, isoDateTime, isoTime, limit } from '../../validation';

export const listDeliveriesInput = z.strictObject({
  organizationId: id,
  /** Only this endpoint's deliveries. */
  webhookId: id.optional(),
  /** `dead` lists the dead letters: deliveries that failed every attempt, with their last error. */
  status: z.enum(OUTBOX_STATUSES).optional(),
  limit,
});

export const deliveryOutput = z.object({
  id,
  eventId: id,
  eventType: z.string(),
  webhookId: id,
  url: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  /** When a pending delivery is due (next attempt); null otherwise. */
  nextAttemptAt: isoDateTime.nullable(),
  lastAttemptAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  deliveredAt: isoDateTime.nullable(),
});
export const listDeliveriesOutput = z.array(deliveryOutput);

/** The organization's most recent webhook deliveries, newest first (owners only, people only). */
export const deliveries = requireRole('webhooks.deliveries')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/webhook-deliveries',
      summary: 'List webhook deliveries',
      description:
        'Owners (people only). The most recent deliveries, newest first (`limit`, default 25). `webhookId` keeps ' +
        'one endpoint’s; `status=dead` lists the dead letters with their last error.',
      tags: ['webhooks'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE'],
  })
  .input(listDeliveriesInput)
  .output(listDeliveriesOutput)
  .query(async ({ ctx, input }) => {
    const rows = await listOrganizationDeliveries(ctx.db, {
      organizationId: input.organizationId,
      webhookId: input.webhookId,
      status: input.status,
      limit: input.limit,
    });
    return rows.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.event_type,
      webhookId: d.webhook_id,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.last_status_code,
      lastError: d.last_error,
      nextAttemptAt: d.status === 'pending' ? isoTime(d.next_attempt_at) : null,
      lastAttemptAt: d.last_attempt_at ? isoTime(d.last_attempt_at) : null,
      createdAt: isoTime(d.created_at),
      deliveredAt: d.delivered_at ? isoTime(d.delivered_at) : null,
    }));
  });
