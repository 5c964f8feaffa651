import { z } from 'zod';
import { keysetPageInput, readKeysetPage } from '../../pagination';
import { requireRole } from '../../procedures';
import { listAuditEntriesPage } from '../../queries/audit';
import { auditLogFilterShape, checkDateRange, filtersOf, toAuditItem } from '../../services/audit-log';
import { id, isoDateTime, keysetPageOutput } from '../../validation';

export const listAuditLogInput = keysetPageInput.extend(auditLogFilterShape).superRefine(checkDateRange);
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

/**
 * The organization's audit log, newest first, by keyset pages (owners, admins, viewers; keys with
 * audit:read), optionally filtered by action, actor (a person or an API key), target person and a date
 * range `[from, to)`. The same filters and rule serve the CSV / JSON Lines export
 * (`GET /v1/organizations/:organizationId/audit-log/export`).
 */
export const list = requireRole('auditLog.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/audit-log',
      summary: 'Read the audit log',
      description:
        'Newest first, by keyset pages: pass `nextCursor` back as `cursor`. Filters: `action`, `actorUserId`, `actorApiKeyId`, `targetUserId`, `from` (inclusive) and `to` (exclusive), ISO 8601.',
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
        listAuditEntriesPage(ctx.db, {
          organizationId: input.organizationId,
          after,
          limit: pageSize,
          filters: filtersOf(input),
        }),
      toAuditItem,
    ),
  );
