import { z } from 'zod';
import { requireRole } from '../../procedures';
import { id } from '../../validation';

export const listApiKeysInput = z.strictObject({
  organizationId: id,
  /** Also list revoked keys (with when and why). */
  includeRevoked: z.boolean().default(false),
});

/** The organization's API keys, newest first, without secrets (owners and admins, people only). */
export const list = requireRole({ roles: ['owner', 'admin'] })
  .input(listApiKeysInput)
  .query(async ({ ctx, input }) => {
    let query = ctx.db
      .selectFrom('api_keys as k')
      .innerJoin('users as u', 'u.id', 'k.created_by')
      .select([
        'k.id',
        'k.name',
        'k.prefix',
        'k.scopes',
        'k.created_at',
        'k.last_used_at',
        'k.revoked_at',
        'k.revoked_reason',
        'u.id as creator_id',
        'u.name as creator_name',
        'u.email as creator_email',
      ])
      .where('k.organization_id', '=', input.organizationId);
    if (!input.includeRevoked) query = query.where('k.revoked_at', 'is', null);
    const rows = await query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').execute();
    return {
      items: rows.map((row) => ({
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdBy: { id: row.creator_id, name: row.creator_name, email: row.creator_email },
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        revokedAt: row.revoked_at,
        revokedReason: row.revoked_reason,
      })),
    };
  });
