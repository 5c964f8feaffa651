import { z } from 'zod';
import { RosterError } from '../../errors';
import { publicProcedure } from '../../procedures';
import { emailTokenState, findEmailToken } from '../../queries/email-tokens';
import { isInvitationExpired } from '../../rules';
import { emailToken } from '../../validation';

export const invitationByTokenInput = z.strictObject({ token: emailToken });

/**
 * What an invitation link is for, before acting on it (the `/invite/<token>` screen): the invited address
 * (to prefill and fix the sign-up form), the role, the organization and the inviter. Anyone holding the
 * link may read this; it changes nothing. Unknown, used or replaced: TOKEN_INVALID; revoked or accepted:
 * INVITATION_NOT_FOUND; past its expiry it still answers, with `expired: true`.
 */
export const byToken = publicProcedure.input(invitationByTokenInput).query(async ({ ctx, input }) => {
  const token = await findEmailToken(ctx.db, input.token, 'invitation');
  if (!token?.invitation_id || emailTokenState(token) === 'invalid') throw new RosterError('TOKEN_INVALID');
  const row = await ctx.db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .select([
      'i.id',
      'i.email',
      'i.role',
      'i.status',
      'i.expires_at',
      'o.name as organization_name',
      'o.slug as organization_slug',
      'u.name as inviter_name',
    ])
    .where('i.id', '=', token.invitation_id)
    .executeTakeFirst();
  if (row?.status !== 'pending') throw new RosterError('INVITATION_NOT_FOUND');
  return {
    invitationId: row.id,
    email: row.email,
    role: row.role,
    organization: { name: row.organization_name, slug: row.organization_slug },
    invitedBy: { name: row.inviter_name },
    expiresAt: new Date(row.expires_at).toISOString(),
    expired: isInvitationExpired(new Date(row.expires_at)),
  };
});
