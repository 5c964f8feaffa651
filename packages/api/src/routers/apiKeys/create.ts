import { z } from 'zod';
import { API_KEY_SCOPES } from '../../context';
import { generateApiKey } from '../../identity/api-key-format';
import { sha256Hex } from '../../identity/tokens';
import { requireRole } from '../../procedures';
import { insertApiKey } from '../../queries/api-keys';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, isoDateTime, isoTime, name } from '../../validation';

export const createApiKeyInput = z.strictObject({
  organizationId: id,
  name,
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1, 'Choose at least one scope')
    .transform((scopes) => [...new Set(scopes)].sort()),
  /** When the key stops working (ISO 8601 with an offset); it must lie in the future. Omit for no expiry. */
  expiresAt: z.iso
    .datetime({ offset: true })
    .refine((value) => Date.parse(value) > Date.now(), 'The expiry must lie in the future')
    .optional(),
});

export const createApiKeyOutput = z.object({
  id,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: isoDateTime,
  expiresAt: isoDateTime.nullable(),
  /** Shown once: store it now, it cannot be read again. */
  key: z.string(),
});

/**
 * Creates an API key for the organization (owners and admins, people only). The key is in this answer
 * and nowhere else: only its SHA-256 is stored. With `expiresAt`, calls after that instant answer
 * API_KEY_EXPIRED. It is revoked with its creator's removal from the
 * organization (unless that removal keeps keys).
 */
const rule = ACCESS_RULES['apiKeys.create'];

export const create = requireRole('apiKeys.create')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/api-keys',
      summary: 'Create an API key',
      description:
        'Owners and admins (people only). The answer holds the key (`key`), once: only its SHA-256 is stored. ' +
        'With `expiresAt`, calls after that instant answer API_KEY_EXPIRED.',
      tags: ['api keys'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE', 'CONCURRENT_CHANGE'],
  })
  .input(createApiKeyInput)
  .output(createApiKeyOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    const { key, prefix } = generateApiKey();
    return ctx.db.transaction().execute(async (trx) => {
      // A key created after its creator's leave committed would outlive the leave's key revocation:
      // serialize with it and re-check the creator under the lock.
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const row = await insertApiKey(trx, {
        organizationId: input.organizationId,
        createdBy: userId,
        name: input.name,
        prefix,
        secretHash: sha256Hex(key),
        scopes: input.scopes,
        expiresAt: input.expiresAt ?? null,
      });
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'api_key.created',
        actorUserId: userId,
        actorApiKeyId: null,
        metadata: {
          apiKeyId: row.id,
          name: row.name,
          prefix: row.prefix,
          scopes: row.scopes,
          expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
        },
      });
      return {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdAt: isoTime(row.created_at),
        expiresAt: row.expires_at ? isoTime(row.expires_at) : null,
        /** Shown once: store it now, it cannot be read again. */
        key,
      };
    });
  });
