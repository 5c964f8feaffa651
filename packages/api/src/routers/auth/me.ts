import { RosterError } from '../../errors';
import { findActiveOrganizationId } from '../../identity/sessions';
import { userProcedure } from '../../procedures';

/**
 * The signed-in user and their session's active organization (null when none is chosen, or when they
 * are no longer an active member of it). Signed out: UNAUTHENTICATED; an API key: SESSION_REQUIRED.
 */
export const me = userProcedure.query(async ({ ctx }) => {
  const row = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'email_verified_at'])
    .where('id', '=', ctx.caller.userId)
    .executeTakeFirst();
  // The session outlived its user (deleted): no caller any more.
  if (!row) throw new RosterError('UNAUTHENTICATED');
  const user = {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
  };
  const activeOrganizationId = ctx.caller.sessionId
    ? await findActiveOrganizationId(ctx.db, ctx.caller.sessionId, ctx.caller.userId)
    : null;
  return { user, activeOrganizationId };
});
