import { z } from 'zod';
import { RosterError } from '../../errors';
import { webhookSecretBox } from '../../events/secrets';
import { generateWebhookSecret } from '../../events/signing';
import { ROSTER_EVENT_TYPES } from '../../events/types';
import { countOrganizationWebhooks, insertWebhook, redactWebhookUrl } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, isoDateTime, isoTime } from '../../validation';

/** At most this many webhooks per organization: each one multiplies every event's deliveries. */
export const MAX_WEBHOOKS_PER_ORGANIZATION = 10;

export const createWebhookInput = z.strictObject({
  organizationId: id,
  url: z.url({ protocol: /^https?$/, message: 'Expected an http:// or https:// URL' }).max(2000),
  description: z.string().trim().max(200).optional(),
  /** The event types this endpoint receives; left out: every type, including types added later. */
  eventTypes: z
    .array(z.enum(ROSTER_EVENT_TYPES))
    .min(1)
    .max(ROSTER_EVENT_TYPES.length)
    .refine((types) => new Set(types).size === types.length, { message: 'Each event type at most once' })
    .optional(),
});

export const createWebhookOutput = z.object({
  id,
  url: z.string(),
  description: z.string().nullable(),
  /** null: every event type. */
  eventTypes: z.array(z.string()).nullable(),
  createdAt: isoDateTime,
  /** Shown once (stored encrypted): keep it to verify `webhook-signature`. */
  secret: z.string(),
});

/**
 * Registers a receiver for the organization's events (owners only, people only). The signing secret is in
 * this answer and nowhere else: store it on the receiving side to verify
 * `webhook-signature` (Standard Webhooks).
 */
const rule = ACCESS_RULES['webhooks.create'];

export const create = requireRole('webhooks.create')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/webhooks',
      summary: 'Register a webhook',
      description:
        'Owners (people only). The answer holds the signing secret (`secret`), once: keep it to verify ' +
        '`webhook-signature` (Standard Webhooks). Without `eventTypes` the endpoint receives every type.',
      tags: ['webhooks'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'WEBHOOK_LIMIT_REACHED',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(createWebhookInput)
  .output(createWebhookOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    return ctx.db.transaction().execute(async (trx) => {
      // Serialize with other changes to this organization, so the limit below holds under concurrency,
      // and re-check the owner under the lock (a leave may have committed since the guard).
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      if ((await countOrganizationWebhooks(trx, input.organizationId)) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
        throw new RosterError(
          'WEBHOOK_LIMIT_REACHED',
          `An organization may have at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks`,
          { details: { limit: MAX_WEBHOOKS_PER_ORGANIZATION } },
        );
      }
      const secret = generateWebhookSecret();
      const webhookId = crypto.randomUUID();
      const webhook = await insertWebhook(trx, {
        id: webhookId,
        organizationId: input.organizationId,
        url: input.url,
        description: input.description || null,
        secretCiphertext: webhookSecretBox().encrypt(secret, webhookId),
        eventTypes: input.eventTypes ?? null,
        createdBy: userId,
      });
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'webhook.created',
        actorUserId: userId,
        actorApiKeyId: null,
        metadata: { webhookId: webhook.id, url: redactWebhookUrl(webhook.url) },
      });
      return {
        id: webhook.id,
        url: webhook.url,
        description: webhook.description,
        eventTypes: webhook.event_types,
        createdAt: isoTime(webhook.created_at),
        /** Shown once (stored encrypted): keep it to verify `webhook-signature`. */
        secret,
      };
    });
  });
