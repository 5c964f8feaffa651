import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { listOrganizationsOfUser } from '../../queries/organizations';

/**
 * The organizations the caller is an active member of, with their role there and the number of active
 * owners (`activeOwnerCount`: a sole owner cannot leave — @roster/react's `canLeave` reads it), by name
 * (people only).
 */
export const listMine = userProcedure.input(z.strictObject({}).optional()).query(async ({ ctx }) => {
  const rows = await listOrganizationsOfUser(ctx.db, ctx.caller.userId);
  return rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    role: row.role,
    activeOwnerCount: Number(row.active_owner_count),
  }));
});
