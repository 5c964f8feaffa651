import { z } from 'zod';
import { keysetPageInput, readKeysetPage } from '../../pagination';
import { requireRole } from '../../procedures';
import { listActiveMembersPage } from '../../queries/memberships';
import { id, isoDateTime, keysetPageOutput, role } from '../../validation';

export const listMembersInput = keysetPageInput.extend({
  /** Only members whose name or email contains this text (case-insensitive). */
  query: z.string().trim().min(1).max(100).optional(),
  /** Only members with this role. */
  role: role.optional(),
});

export const memberOutput = z.object({
  /** The membership id: `memberId` in the other members procedures. */
  id,
  userId: id,
  email: z.string(),
  name: z.string(),
  role,
  joinedAt: isoDateTime,
});
export const listMembersOutput = keysetPageOutput(memberOutput);

/**
 * Active members in a stable order (joined first), by keyset pages: pass `nextCursor` back until it is
 * null. `query` searches names and emails, `role` filters; a cursor keeps its place under either.
 */
export const list = requireRole('members.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/members',
      summary: 'List active members',
      description:
        'Active members in joining order, by keyset pages: pass `nextCursor` back as `cursor`. `query` searches names and emails (case-insensitive), `role` keeps one role.',
      tags: ['members'],
    },
    reasons: ['ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_SCOPE'],
  })
  .input(listMembersInput)
  .output(listMembersOutput)
  .query(({ ctx, input }) =>
    readKeysetPage(
      input,
      (after, pageSize) =>
        listActiveMembersPage(ctx.db, {
          organizationId: input.organizationId,
          after,
          limit: pageSize,
          query: input.query,
          role: input.role,
        }),
      (row) => ({
        id: row.id,
        userId: row.user_id,
        email: row.email,
        name: row.name,
        role: row.role,
        joinedAt: new Date(row.created_at).toISOString(),
      }),
    ),
  );
