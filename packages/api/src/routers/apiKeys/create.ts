import { z } from 'zod';
import { API_KEY_SCOPES } from '../../context';
import { generateApiKey } from '../../identity/api-key-format';
import { sha256Hex } from '../../identity/tokens';
import { requireRole } from '../../procedures';
import { insertApiKey } from '../../queries/api-keys';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, isoTime, name } from '../../validation';

export const createApiKeyInput = z.strictObject({
  organizationId: id,
  name,
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1, 'Choose at least one scope')
    .transform((scopes) => [...new Set(scopes)].sort()),
});

/**
 * Creates an API key for the organization (owners and admins, people only). The key is in this answer
 * and nowhere else: only its SHA-256 is stored. It is revoked with its creator's removal from the
 * organization (unless that removal keeps keys).
 */
const rule = ACCESS_RULES['apiKeys.create'];

export const create = requireRole('apiKeys.create')
  .input(createApiKeyInput)
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
      });
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'api_key.created',
        actorUserId: userId,
        actorApiKeyId: null,
        metadata: { apiKeyId: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes },
      });
      return {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdAt: isoTime(row.created_at),
        /** Shown once: store it now, it cannot be read again. */
        key,
      };
    });
  });
