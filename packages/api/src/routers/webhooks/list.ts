import { z } from 'zod';
import { listOrganizationWebhooks } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { id, isoDateTime, isoTime } from '../../validation';

export const listWebhooksInput = z.strictObject({ organizationId: id });
export const webhookOutput = z.object({
  id,
  url: z.string(),
  description: z.string().nullable(),
  /** null: every event type. */
  eventTypes: z.array(z.string()).nullable(),
  /** Failed attempts in a row; at 5 the circuit opens and deliveries pause until `pausedUntil`. */
  consecutiveFailures: z.number().int(),
  pausedUntil: isoDateTime.nullable(),
  /** The user who registered it (null once that account is gone). */
  createdBy: id.nullable(),
  createdAt: isoDateTime,
});
export const listWebhooksOutput = z.array(webhookOutput);

/** The organization's webhooks, oldest first (owners only, people only), never with their secrets. */
export const list = requireRole('webhooks.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/webhooks',
      summary: 'List webhooks',
      description: 'Owners (people only). Oldest first, never with their secrets.',
      tags: ['webhooks'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE'],
  })
  .input(listWebhooksInput)
  .output(listWebhooksOutput)
  .query(async ({ ctx, input }) => {
    const rows = await listOrganizationWebhooks(ctx.db, input.organizationId);
    return rows.map((w) => ({
      id: w.id,
      url: w.url,
      description: w.description,
      eventTypes: w.event_types,
      consecutiveFailures: w.consecutive_failures,
      pausedUntil: w.paused_until ? isoTime(w.paused_until) : null,
      createdBy: w.created_by,
      createdAt: isoTime(w.created_at),
    }));
  });
