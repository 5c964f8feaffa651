import { INVITATION_STATUSES } from '@roster/db';
import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listPendingInvitations } from '../../queries/invitations';
import { isInvitationExpired } from '../../rules';
import { id, isoDateTime, role } from '../../validation';

export const listInvitationsInput = z.strictObject({ organizationId: id });
export const listInvitationsOutput = z.array(
  z.object({
    id,
    email: z.string(),
    role,
    status: z.enum(INVITATION_STATUSES),
    invitedBy: z.object({
      userId: id.nullable(),
      name: z.string().nullable(),
      email: z.string().nullable(),
      /** Set when an API key sent the invitation. */
      apiKeyId: id.nullable(),
    }),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
    /** Past `expiresAt`: it can no longer be accepted. */
    expired: z.boolean(),
  }),
);

/** The organization's pending invitations, newest first; `expired` ones can no longer be accepted. */
export const list = requireRole('invitations.list')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/invitations',
      summary: 'List pending invitations',
      tags: ['invitations'],
    },
    reasons: ['ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE', 'INSUFFICIENT_SCOPE'],
  })
  .input(listInvitationsInput)
  .output(listInvitationsOutput)
  .query(async ({ ctx, input }) => {
    const rows = await listPendingInvitations(ctx.db, input.organizationId);
    const now = new Date();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      status: row.status,
      // A person; or, for an invitation an organization's own API key sent, the key (no person).
      invitedBy: {
        userId: row.invited_by,
        name: row.invited_by_name ?? row.invited_by_api_key_name ?? null,
        email: row.invited_by_email ?? null,
        apiKeyId: row.invited_by_api_key_id,
      },
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
      expired: isInvitationExpired(new Date(row.expires_at), now),
    }));
  });
