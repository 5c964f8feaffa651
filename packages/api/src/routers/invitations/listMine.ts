import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { findUserEmail, listPendingInvitationsForEmail } from '../../queries/invitations';
import { id, isoDateTime, name, role, slug } from '../../validation';

export const listMyInvitationsOutput = z.array(
  z.object({
    id,
    role,
    organization: z.object({ id, slug, name }),
    invitedBy: z.object({ name: z.string().nullable(), email: z.string().nullable() }),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
  }),
);

/** Pending, unexpired invitations addressed to the caller's email (people only). */
export const listMine = userProcedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/me/invitations',
      summary: 'List my invitations',
      description: 'Pending, unexpired invitations addressed to the caller’s email.',
      tags: ['invitations'],
    },
    reasons: ['SESSION_REQUIRED'],
  })
  .input(z.strictObject({}).optional())
  .output(listMyInvitationsOutput)
  .query(async ({ ctx }) => {
    const email = await findUserEmail(ctx.db, ctx.caller.userId);
    if (!email) return [];
    const rows = await listPendingInvitationsForEmail(ctx.db, email);
    return rows.map((row) => ({
      id: row.id,
      role: row.role,
      organization: { id: row.organization_id, slug: row.organization_slug, name: row.organization_name },
      invitedBy: { name: row.invited_by_name, email: row.invited_by_email },
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
    }));
  });
