import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listOrganizationApiKeys } from '../../queries/api-keys';
import { id, isoTime } from '../../validation';

export const listApiKeysInput = z.strictObject({
  organizationId: id,
  /** Also list revoked keys (with when and why). */
  includeRevoked: z.boolean().default(false),
});

/** The organization's API keys, newest first, without secrets (owners and admins, people only). */
export const list = requireRole('apiKeys.list')
  .input(listApiKeysInput)
  .query(async ({ ctx, input }) => {
    const rows = await listOrganizationApiKeys(ctx.db, {
      organizationId: input.organizationId,
      includeRevoked: input.includeRevoked,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdBy: { id: row.creator_id, name: row.creator_name, email: row.creator_email },
        createdAt: isoTime(row.created_at),
        lastUsedAt: row.last_used_at ? isoTime(row.last_used_at) : null,
        revokedAt: row.revoked_at ? isoTime(row.revoked_at) : null,
        revokedReason: row.revoked_reason,
      })),
    };
  });
