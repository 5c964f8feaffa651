import { keysetPageInput, readKeysetPage } from '../../pagination';
import { requireRole } from '../../procedures';
import { listAuditEntriesPage } from '../../queries/audit';

export const listAuditLogInput = keysetPageInput;

/** The organization's audit log, newest first, by keyset pages (owners, admins, viewers; keys with audit:read). */
export const list = requireRole('auditLog.list')
  .input(listAuditLogInput)
  .query(({ ctx, input }) =>
    readKeysetPage(
      input,
      (after, pageSize) =>
        listAuditEntriesPage(ctx.db, { organizationId: input.organizationId, after, limit: pageSize }),
      (row) => ({
        id: row.id,
        action: row.action,
        actor: {
          type: row.actor_api_key_id ? ('apiKey' as const) : row.actor_user_id ? ('user' as const) : null,
          userId: row.actor_user_id,
          apiKeyId: row.actor_api_key_id,
          name: row.actor_name ?? row.actor_api_key_name ?? null,
          email: row.actor_email ?? null,
        },
        target: {
          userId: row.target_user_id,
          membershipId: row.target_membership_id,
          name: row.target_name ?? null,
          email: row.target_email ?? null,
        },
        metadata: row.metadata as Record<string, unknown>,
        createdAt: new Date(row.created_at).toISOString(),
      }),
    ),
  );
