import { randomUUID } from 'node:crypto';
import type { Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { buildServer } from '@roster/server';
import { QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { afterAll, beforeAll } from 'vitest';
import { type CreateRosterTRPCClientOptions, RosterProvider } from '../src';

/** The database the suites run on, for their titles. */
export const DB_KIND = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface Roster {
  t: TestDatabase;
  url: string;
  close(): Promise<void>;
}

/** A real Roster server on this test file's own database, listening on a free port. */
export async function startRoster(): Promise<Roster> {
  const t = await createTestDatabase();
  // Rate limits off: every test signs fresh users up from the same address.
  const app = await buildServer({ db: t.db, logLevel: 'silent', rateLimit: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    t,
    url,
    close: async () => {
      await app.close();
      await t.destroy();
    },
  };
}

/**
 * One Roster server for the calling test file: started before its tests, closed after them. The
 * object is filled in by `beforeAll`, so read its fields inside tests only.
 */
export function rosterForFile(): Roster {
  const roster = {} as Roster;
  beforeAll(async () => {
    Object.assign(roster, await startRoster());
  });
  afterAll(async () => {
    await roster.close?.();
  });
  return roster;
}

export interface TestUser {
  id: string;
  email: string;
  /** The `Cookie` header value carrying the user's session. */
  cookie: string;
}

/**
 * Signs a fresh user up and in over HTTP, as a browser would, and keeps the session cookie it got. The
 * address is then marked verified (as following the mailed link does) unless `verified: false`.
 */
export async function signUp(
  roster: Roster,
  name = 'Test User',
  options: { verified?: boolean } = {},
): Promise<TestUser> {
  const email = `u-${randomUUID()}@example.com`;
  const signedUp = await fetch(`${roster.url}/trpc/auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: roster.url },
    body: JSON.stringify({ email, password: 'correct horse battery staple', name }),
  });
  if (!signedUp.ok) throw new Error(`sign-up failed: ${signedUp.status} ${await signedUp.text()}`);
  if (options.verified !== false) {
    await roster.t.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('email', '=', email)
      .execute();
  }
  // Sign-up never signs in (it answers the same for a taken address): sign in next, as useSession does.
  const response = await fetch(`${roster.url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: roster.url },
    body: JSON.stringify({ email, password: 'correct horse battery staple' }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  if (!cookie) throw new Error('sign-up set no cookie');
  const user = await roster.t.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return { id: user.id, email, cookie };
}

/** An organization whose members (user, role) are written straight to the database, oldest first. */
export async function seedOrganization(
  roster: Roster,
  members: ReadonlyArray<readonly [TestUser | { id: string }, Role]>,
) {
  const slug = `org-${randomUUID().slice(0, 8)}`;
  const organization = await roster.t.db
    .insertInto('organizations')
    .values({ name: `Org ${slug}`, slug })
    .returning(['id', 'slug'])
    .executeTakeFirstOrThrow();
  const memberships: Array<{ id: string; userId: string; role: Role }> = [];
  for (const [index, [user, role]] of members.entries()) {
    const row = await roster.t.db
      .insertInto('memberships')
      .values({
        organization_id: organization.id,
        user_id: user.id,
        role,
        // Distinct, increasing join times: a stable keyset order, and a defined "next organization".
        created_at: new Date(Date.now() - (members.length - index) * 1000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    memberships.push({ id: row.id, userId: user.id, role });
  }
  return { ...organization, memberships };
}

/** A user with no session, only to be a member (sign-up is not needed to be a row in a list). */
export async function seedUser(roster: Roster): Promise<{ id: string }> {
  return roster.t.db
    .insertInto('users')
    .values({ email: `s-${randomUUID()}@example.com`, name: 'Seeded User' })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function membershipRow(roster: Roster, membershipId: string) {
  return roster.t.db
    .selectFrom('memberships')
    .select(['status', 'role', 'removal_reason', 'removed_by'])
    .where('id', '=', membershipId)
    .executeTakeFirstOrThrow();
}

/** The organization's audit entries (optionally only those about one user), oldest first. */
export async function auditOf(roster: Roster, organizationId: string, targetUserId?: string) {
  let query = roster.t.db
    .selectFrom('audit_log')
    .select(['action', 'actor_user_id', 'target_user_id'])
    .where('organization_id', '=', organizationId);
  if (targetUserId) query = query.where('target_user_id', '=', targetUserId);
  return query.orderBy('created_at').execute();
}

/** A QueryClient without retries (a refusal shows at once) and a `RosterProvider` wrapper on it. */
function providerWrapper(options: CreateRosterTRPCClientOptions) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <RosterProvider {...options} queryClient={queryClient}>
      {children}
    </RosterProvider>
  );
  return { wrapper, queryClient };
}

/**
 * A wrapper for renderHook: the user's session cookie (and the app's Origin) on every request, as a
 * browser on the app's origin would send them; Node's own fetch. `fetch` may hold a request back.
 */
export function wrapperFor(roster: Roster, user: TestUser, options: { fetch?: typeof fetch } = {}) {
  return providerWrapper({
    url: roster.url,
    headers: { cookie: user.cookie, origin: roster.url },
    fetch: options.fetch,
  });
}

/**
 * Node's fetch keeps no cookies: this one does, for one origin, as a browser would (Set-Cookie in,
 * Cookie out; an expired or emptied cookie is dropped), and sends the app's Origin.
 */
export function browserLikeFetch(origin: string): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    headers.set('origin', origin);
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (attribute) =>
          /^\s*max-age=0\s*$/i.test(attribute) ||
          (/^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1]!) <= Date.now()),
      );
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
}

/** A wrapper for a visitor with no session yet: cookies are kept from sign-up or sign-in on. */
export function browserWrapper(roster: Roster) {
  return providerWrapper({ url: roster.url, fetch: browserLikeFetch(roster.url) });
}
