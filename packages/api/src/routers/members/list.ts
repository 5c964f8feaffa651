import { keysetPageInput, readKeysetPage } from '../../pagination';
import { requireRole } from '../../procedures';
import { listActiveMembersPage } from '../../queries/memberships';

export const listMembersInput = keysetPageInput;

/** Active members in a stable order (joined first), by keyset pages: pass `nextCursor` back until it is null. */
export const list = requireRole('members.list')
  .input(listMembersInput)
  .query(({ ctx, input }) =>
    readKeysetPage(
      input,
      (after, pageSize) =>
        listActiveMembersPage(ctx.db, { organizationId: input.organizationId, after, limit: pageSize }),
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
