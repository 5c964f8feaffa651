import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listOrganizationApiKeys } from '../../queries/api-keys';
import { id, isoDateTime, isoTime } from '../../validation';

export const listApiKeysInput = z.strictObject({
  organizationId: id,
  /** Also list revoked keys (with when and why). */
  includeRevoked: z.boolean().default(false),
});

export const apiKeyStatus = z.enum(['active', 'expired', 'revoked']);

export const listApiKeysOutput = z.object({
  items: z.array(
    z.object({
      id,
      name: z.string(),
      prefix: z.string(),
      scopes: z.array(z.string()),
      createdBy: z.object({ id, name: z.string(), email: z.string() }),
      createdAt: isoDateTime,
      lastUsedAt: isoDateTime.nullable(),
      expiresAt: isoDateTime.nullable(),
      /** Set when a removal kept the creator's keys: the key is the organization's own and acts for nobody. */
      organizationOwnedAt: isoDateTime.nullable(),
      revokedAt: isoDateTime.nullable(),
      revokedReason: z.string().nullable(),
      /** revoked (by hand or with its creator's membership) wins over expired. */
      status: apiKeyStatus,
    }),
  ),
});

/**
 * The organization's API keys, newest first, without secrets (owners and admins, people only): the
 * prefix, scopes, creator, dates and status. Expired keys are listed (they are not revoked); revoked ones
 * only with `includeRevoked`.
 */
export const list = requireRole('apiKeys.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/api-keys',
      summary: 'List API keys',
      description:
        'Owners and admins (people only). Newest first, never with secrets: prefix, scopes, creator, dates and ' +
        'status. Revoked keys only with `includeRevoked=true`.',
      tags: ['api keys'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE'],
  })
  .input(listApiKeysInput)
  .output(listApiKeysOutput)
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
        expiresAt: row.expires_at ? isoTime(row.expires_at) : null,
        organizationOwnedAt: row.organization_owned_at ? isoTime(row.organization_owned_at) : null,
        revokedAt: row.revoked_at ? isoTime(row.revoked_at) : null,
        revokedReason: row.revoked_reason,
        status: row.revoked_at
          ? ('revoked' as const)
          : row.expired
            ? ('expired' as const)
            : ('active' as const),
      })),
    };
  });
