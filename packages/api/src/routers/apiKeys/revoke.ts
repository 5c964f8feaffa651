import { z } from 'zod';
import { RosterError } from '../../errors';
import { requireRole } from '../../procedures';
import { revokeOrganizationApiKey } from '../../queries/api-keys';
import { insertAuditEntry } from '../../queries/audit';
import { ACCESS_RULES } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, isoDateTime, isoTime } from '../../validation';

export const revokeApiKeyInput = z.strictObject({ organizationId: id, apiKeyId: id });
export const revokeApiKeyOutput = z.object({ id, revokedAt: isoDateTime });

/**
 * Revokes one of the organization's keys (owners and admins, people only); it stops working with the
 * commit. API_KEY_NOT_FOUND for a key of another organization, an unknown one, or one already revoked.
 */
const rule = ACCESS_RULES['apiKeys.revoke'];

export const revoke = requireRole('apiKeys.revoke')
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/organizations/{organizationId}/api-keys/{apiKeyId}',
      summary: 'Revoke an API key',
      description:
        'Owners and admins (people only). The key stops working with the commit; it stays listed as revoked.',
      tags: ['api keys'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'API_KEY_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(revokeApiKeyInput)
  .output(revokeApiKeyOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
      const row = await revokeOrganizationApiKey(trx, input.organizationId, input.apiKeyId);
      if (!row) throw new RosterError('API_KEY_NOT_FOUND');
      await insertAuditEntry(trx, {
        organizationId: input.organizationId,
        action: 'api_key.revoked',
        actorUserId: userId,
        actorApiKeyId: null,
        metadata: { apiKeyId: row.id, name: row.name, prefix: row.prefix },
      });
      return { id: row.id, revokedAt: isoTime(row.revoked_at!) };
    });
  });
