import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { listOrganizationsOfUser } from '../../queries/organizations';
import { id, isoDateTime, isoTime, name, role, slug } from '../../validation';

export const listMyOrganizationsOutput = z.array(
  z.object({
    id,
    slug,
    name,
    role,
    activeOwnerCount: z.number().int(),
    /** `deletion_scheduled`: `deletionDueAt` says when the grace period ends (an owner may restore until then). */
    status: z.enum(['active', 'deletion_scheduled', 'deleted']),
    deletionDueAt: isoDateTime.nullable(),
  }),
);

/**
 * The organizations the caller is an active member of, with their role there and the number of active
 * owners (`activeOwnerCount`: a sole owner cannot leave — @roster/react's `canLeave` reads it), by name
 * (people only).
 */
export const listMine = userProcedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations',
      summary: 'List my organizations',
      description: 'The organizations the caller is an active member of, with their role there, by name.',
      tags: ['organizations'],
    },
    reasons: ['SESSION_REQUIRED'],
  })
  .input(z.strictObject({}).optional())
  .output(listMyOrganizationsOutput)
  .query(async ({ ctx }) => {
    const rows = await listOrganizationsOfUser(ctx.db, ctx.caller.userId);
    return rows.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      role: row.role,
      activeOwnerCount: Number(row.active_owner_count),
      status: row.status,
      deletionDueAt: row.deletion_due_at ? isoTime(row.deletion_due_at) : null,
    }));
  });
