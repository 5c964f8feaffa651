import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listPendingInvitations } from '../../queries/invitations';
import { isInvitationExpired } from '../../rules';
import { id } from '../../validation';

export const listInvitationsInput = z.strictObject({ organizationId: id });

/** The organization's pending invitations, newest first; `expired` ones can no longer be accepted. */
export const list = requireRole('invitations.list')
  .input(listInvitationsInput)
  .query(async ({ ctx, input }) => {
    const rows = await listPendingInvitations(ctx.db, input.organizationId);
    const now = new Date();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      status: row.status,
      invitedBy: { userId: row.invited_by, name: row.invited_by_name, email: row.invited_by_email },
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
      expired: isInvitationExpired(new Date(row.expires_at), now),
    }));
  });
