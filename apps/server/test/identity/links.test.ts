import type { AppRouter } from '@roster/api';
import { createTRPCClient, httpBatchLink, httpBatchStreamLink, httpLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { DB_KIND, signUp, useIdentityServer } from './helpers';

const s = useIdentityServer();

/** The three standard tRPC HTTP links a product may put in front of Roster, with a session cookie. */
const LINKS = {
  httpLink: (url: string, cookie: string) => httpLink({ url, headers: { cookie } }),
  httpBatchLink: (url: string, cookie: string) => httpBatchLink({ url, headers: { cookie } }),
  httpBatchStreamLink: (url: string, cookie: string) => httpBatchStreamLink({ url, headers: { cookie } }),
};

// Found by review: auth.signOut (a mutation without input) through the plain httpLink answered 400
// ("Unexpected end of JSON input"): that link sends no body at all for an input that is undefined.
describe(`the standard tRPC links against the server (${DB_KIND})`, () => {
  it.each(Object.keys(LINKS) as Array<keyof typeof LINKS>)(
    '%s: a mutation without input (auth.signOut), a query without input and calls with input all work',
    async (name) => {
      const { user, cookie } = await signUp(s.base, `link-${name}`);
      const client = createTRPCClient<AppRouter>({ links: [LINKS[name](`${s.base}/trpc`, cookie)] });

      // A query without input, and one with input, before signing out.
      expect((await client.auth.me.query()).user?.id).toBe(user.id);
      const created = await client.organizations.create.mutate({
        name: `Org ${name}`,
        slug: `org-${user.id.slice(0, 8)}`,
      });
      expect((await client.organizations.bySlug.query({ slug: created.slug })).role).toBe('owner');

      expect(await client.auth.signOut.mutate()).toEqual({ signedOut: true });

      // The session is revoked in the database, and the cookie no longer signs in.
      const sessions = await s.db
        .selectFrom('sessions')
        .select(['revoked_at'])
        .where('user_id', '=', user.id)
        .execute();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.revoked_at).not.toBeNull();
      await expect(client.auth.me.query()).rejects.toMatchObject({ data: { reason: 'UNAUTHENTICATED' } });
    },
  );
});
