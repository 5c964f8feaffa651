import { z } from 'zod';
import { userProcedure } from '../../procedures';
import { listPendingInvitationsForEmail } from '../../queries/invitations';
import { findUserById } from '../../queries/users';
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

/**
 * Pending, unexpired invitations addressed to the caller's email (people only) — once that email is
 * verified. Anyone can sign up with any address: until its holder proves it (the verification link, or an
 * invitation link), the list is empty, so nobody sees invitations meant for an address they do not hold.
 */
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
    const user = await findUserById(ctx.db, ctx.caller.userId);
    if (!user?.email_verified_at) return [];
    const rows = await listPendingInvitationsForEmail(ctx.db, user.email);
    return rows.map((row) => ({
      id: row.id,
      role: row.role,
      organization: { id: row.organization_id, slug: row.organization_slug, name: row.organization_name },
      // Sent by an organization's own API key: no person to name, so the organization is the inviter.
      invitedBy: { name: row.invited_by_name ?? row.organization_name, email: row.invited_by_email },
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
    }));
  });
