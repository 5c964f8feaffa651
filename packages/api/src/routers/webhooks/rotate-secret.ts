import { z } from 'zod';
import { RosterError } from '../../errors';
import { webhookSecretBox } from '../../events/secrets';
import { generateWebhookSecret } from '../../events/signing';
import { redactWebhookUrl, replaceWebhookSecret } from '../../events/webhooks';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const rotateWebhookSecretInput = z.strictObject({ organizationId: id, webhookId: id });

export const rotateWebhookSecretOutput = z.object({
  id,
  /** Shown once (stored encrypted): the old secret stops working at once. */
  secret: z.string(),
});

/**
 * Replaces a webhook's signing secret (owners only, people only). Deliveries signed from now on use the
 * new secret; the old one no longer verifies. The new secret is in this answer and nowhere else.
 */
const rule = ACCESS_RULES['webhooks.rotateSecret'];

export const rotateSecret = requireRole('webhooks.rotateSecret')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/webhooks/{webhookId}/rotate-secret',
      summary: 'Rotate a webhook’s signing secret',
      description:
        'Owners (people only). The answer holds the new secret, once; deliveries signed from now on use it and ' +
        'the old one no longer verifies.',
      tags: ['webhooks'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'WEBHOOK_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(rotateWebhookSecretInput)
  .output(rotateWebhookSecretOutput)
  .mutation(async ({ ctx, input }) => {
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const secret = generateWebhookSecret();
      const rotated = await replaceWebhookSecret(trx, {
        organizationId: input.organizationId,
        webhookId: input.webhookId,
        secretCiphertext: webhookSecretBox().encrypt(secret, input.webhookId),
      });
      if (!rotated) throw new RosterError('WEBHOOK_NOT_FOUND');
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'webhook.secret_rotated',
        actorUserId: ctx.caller.userId,
        actorApiKeyId: null,
        // The URL as `webhook.created` writes it (no user info, query or fragment); never the secret.
        metadata: { webhookId: rotated.id, url: redactWebhookUrl(rotated.url) },
      });
      return { id: rotated.id, secret };
    });
  });
