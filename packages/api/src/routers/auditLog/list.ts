import { z } from 'zod';
import { keysetPageInput, readKeysetPage } from '../../pagination';
import { requireRole } from '../../procedures';
import { listAuditEntriesPage } from '../../queries/audit';
import { id, isoDateTime, keysetPageOutput } from '../../validation';

export const listAuditLogInput = keysetPageInput;
export const auditEntryOutput = z.object({
  id,
  /** What happened, e.g. `member.left`, `member.removed`, `invitation.created`. */
  action: z.string(),
  actor: z.object({
    type: z.enum(['user', 'apiKey']).nullable(),
    userId: id.nullable(),
    apiKeyId: id.nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
  }),
  target: z.object({
    userId: id.nullable(),
    membershipId: id.nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: isoDateTime,
});
export const listAuditLogOutput = keysetPageOutput(auditEntryOutput);

/** The organization's audit log, newest first, by keyset pages (owners, admins, viewers; keys with audit:read). */
export const list = requireRole('auditLog.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/audit-log',
      summary: 'Read the audit log',
      description: 'Newest first, by keyset pages: pass `nextCursor` back as `cursor`.',
      tags: ['audit log'],
    },
    reasons: ['ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE', 'INSUFFICIENT_SCOPE'],
  })
  .input(listAuditLogInput)
  .output(listAuditLogOutput)
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
