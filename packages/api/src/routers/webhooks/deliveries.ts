import { OUTBOX_STATUSES } from '@roster/db';
import { z } from 'zod';
import { listOrganizationDeliveries } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { id, limit } from '../../validation';

export const listDeliveriesInput = z.strictObject({
  organizationId: id,
  /** Only this endpoint's deliveries. */
  webhookId: id.optional(),
  /** `dead` lists the dead letters: deliveries that failed every attempt, with their last error. */
  status: z.enum(OUTBOX_STATUSES).optional(),
  limit,
});

/** The organization's most recent webhook deliveries, newest first (owners only, people only). */
export const deliveries = requireRole('webhooks.deliveries')
  .input(listDeliveriesInput)
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
      /** When a pending delivery is due (next attempt). */
      nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
      lastAttemptAt: d.last_attempt_at,
      createdAt: d.created_at,
      deliveredAt: d.delivered_at,
    }));
  });
