import { clearSessionCookie } from '../../identity/cookies';
import { revokeSession } from '../../identity/sessions';
import { publicProcedure } from '../../procedures';

/**
 * Revokes the caller's session and clears the cookie. Open to anyone, so a browser holding an expired
 * cookie can still clear it; an API key has no session and nothing is revoked.
 */
export const signOut = publicProcedure.mutation(async ({ ctx }) => {
  const sessionId = ctx.caller?.type === 'user' ? ctx.caller.sessionId : null;
  if (sessionId) await revokeSession(ctx.db, sessionId);
  clearSessionCookie(ctx.http);
  return { signedOut: true as const };
});
