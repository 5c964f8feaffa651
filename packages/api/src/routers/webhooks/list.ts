import { z } from 'zod';
import { listOrganizationWebhooks } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { id } from '../../validation';

/** The organization's webhooks (owners only, people only), never with their secrets. */
export const list = requireRole('webhooks.list')
  .input(z.strictObject({ organizationId: id }))
  .query(async ({ ctx, input }) => {
    const rows = await listOrganizationWebhooks(ctx.db, input.organizationId);
    return rows.map((w) => ({
      id: w.id,
      url: w.url,
      description: w.description,
      /** null: every event type. */
      eventTypes: w.event_types,
      /** Failed attempts in a row; at 5 the circuit opens and deliveries pause until `pausedUntil`. */
      consecutiveFailures: w.consecutive_failures,
      pausedUntil: w.paused_until,
      createdBy: w.created_by,
      createdAt: w.created_at,
    }));
  });
