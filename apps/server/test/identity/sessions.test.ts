import { RosterError, sha256Hex } from '@roster/api';
import { describe, expect, it } from 'vitest';
import {
  DB_KIND,
  listenTestServer,
  mutate,
  PASSWORD,
  query,
  seedOrganization,
  signUp,
  uniqueEmail,
  useIdentityServer,
} from './helpers';

const s = useIdentityServer({ allowedOrigins: ['http://localhost:5173'] });

function tokenOf(cookie: string): string {
  return decodeURIComponent(cookie.slice('roster_session='.length));
}

/** The session row a `roster_session=...` cookie stands for. */
function sessionOf(cookie: string) {
  return s.db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', sha256Hex(tokenOf(cookie)))
    .executeTakeFirstOrThrow();
}

/** The ids of a user's session rows. */
function sessionsOf(userId: string) {
  return s.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
}

describe(`sign-up, sign-in and sessions over HTTP (${DB_KIND})`, () => {
  it('signs up (no session: the answer is the same for a taken address), then signs in: a scrypt hash, only the SHA-256 of the token, an httpOnly Lax cookie', async () => {
    const email = uniqueEmail('ada');
    const signedUp = await mutate(s.base, 'auth.signUp', {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
      name: 'Ada',
    });
    expect(signedUp.status).toBe(200);
    expect(signedUp.data).toEqual({ email, verificationSent: true });
    expect(signedUp.setCookie).toEqual([]);
    const res = await mutate<{ user: { id: string; email: string; name: string } }>(s.base, 'auth.signIn', {
      email,
      password: PASSWORD,
    });
    expect(res.status).toBe(200);
    expect(res.data.user).toMatchObject({ email, name: 'Ada' });
    const cookie = res.setCookie.find((c) => c.startsWith('roster_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Expires=/);
    expect(cookie).not.toMatch(/Secure/i);

    const user = await s.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
    const token = tokenOf(res.sessionCookie!);
    const sessions = await s.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.token_hash).toBe(sha256Hex(token));
    expect(sessions[0]!.token_hash).not.toContain(token);
    const days = (sessions[0]!.expires_at.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);

    const me = await query<{ user: { id: string }; activeOrganizationId: string | null }>(
      s.base,
      'auth.me',
      undefined,
      { cookie: res.sessionCookie },
    );
    expect(me.status).toBe(200);
    expect(me.data).toEqual({
      user: { id: user.id, email, name: 'Ada', emailVerified: false },
      activeOrganizationId: null,
    });
  });

  it('a second sign-up for the same email answers like a new one and changes nothing (no account enumeration)', async () => {
    const { user } = await signUp(s.base, 'dup');
    const res = await mutate(s.base, 'auth.signUp', { email: user.email, password: PASSWORD, name: 'Other' });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ email: user.email, verificationSent: true });
    expect(res.sessionCookie).toBeUndefined();
    const rows = await s.db.selectFrom('users').select('name').where('email', '=', user.email).execute();
    expect(rows).toEqual([{ name: 'dup' }]);
  });

  it('refuses bad sign-up input with VALIDATION_FAILED and creates no user', async () => {
    const email = uniqueEmail('short');
    const res = await mutate<unknown>(s.base, 'auth.signUp', { email, password: 'short', name: 'X' });
    expect(res.status).toBe(400);
    expect(res.reason).toBe('VALIDATION_FAILED');
    expect(res.body.error?.data.issues).toEqual([expect.objectContaining({ path: 'password' })]);
    expect(await s.db.selectFrom('users').select('id').where('email', '=', email).execute()).toEqual([]);
  });

  it('signs in with the right password; a wrong password and an unknown email get the same INVALID_CREDENTIALS', async () => {
    const { user } = await signUp(s.base, 'grace');
    const before = await sessionsOf(user.id);

    const wrong = await mutate(s.base, 'auth.signIn', { email: user.email, password: `${PASSWORD}!` });
    const unknown = await mutate(s.base, 'auth.signIn', { email: uniqueEmail('nobody'), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.reason).toBe('INVALID_CREDENTIALS');
      expect(res.sessionCookie).toBeUndefined();
    }
    expect(wrong.body.error?.message).toBe(unknown.body.error?.message);
    expect(await sessionsOf(user.id)).toHaveLength(before.length);

    const ok = await mutate<{ user: { id: string } }>(s.base, 'auth.signIn', {
      email: user.email.toUpperCase(),
      password: PASSWORD,
    });
    expect(ok.status).toBe(200);
    expect(ok.data.user.id).toBe(user.id);
    expect((await sessionOf(ok.sessionCookie!)).user_id).toBe(user.id);
  });

  it('starts a signed-in session in the oldest active organization; me reports it', async () => {
    const { user } = await signUp(s.base, 'member');
    const first = await seedOrganization(s.db, [{ userId: user.id, role: 'member' }]);
    await seedOrganization(s.db, [{ userId: user.id, role: 'owner' }]);
    const res = await mutate<{ activeOrganizationId: string }>(s.base, 'auth.signIn', {
      email: user.email,
      password: PASSWORD,
    });
    expect(res.data.activeOrganizationId).toBe(first.id);
    expect((await sessionOf(res.sessionCookie!)).active_organization_id).toBe(first.id);
    const me = await query<{ activeOrganizationId: string }>(s.base, 'auth.me', undefined, {
      cookie: res.sessionCookie,
    });
    expect(me.data.activeOrganizationId).toBe(first.id);
  });

  it('answers me without a session (or with an unknown token) with UNAUTHENTICATED', async () => {
    const anonymous = await query(s.base, 'auth.me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.reason).toBe('UNAUTHENTICATED');
    const forged = await query(s.base, 'auth.me', undefined, { cookie: 'roster_session=not-a-real-token' });
    expect(forged.reason).toBe('UNAUTHENTICATED');
  });

  it('signs out: revokes the session row and clears the cookie; the old cookie no longer works', async () => {
    const { user, cookie } = await signUp(s.base, 'leaver');
    const res = await mutate(s.base, 'auth.signOut', undefined, { cookie });
    expect(res.status).toBe(200);
    const cleared = res.setCookie.find((c) => c.startsWith('roster_session='));
    expect(cleared).toMatch(/roster_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await sessionOf(cookie)).revoked_at).toBeInstanceOf(Date);
    const me = await query(s.base, 'auth.me', undefined, { cookie });
    expect(me.reason).toBe('UNAUTHENTICATED');
    // Other sessions of the same user stay.
    const other = await mutate(s.base, 'auth.signIn', { email: user.email, password: PASSWORD });
    expect((await query(s.base, 'auth.me', undefined, { cookie: other.sessionCookie })).status).toBe(200);
    expect((await sessionOf(other.sessionCookie!)).revoked_at).toBeNull();
  });

  it('treats an expired session as signed out', async () => {
    const { cookie } = await signUp(s.base, 'expired');
    expect((await query(s.base, 'auth.me', undefined, { cookie })).status).toBe(200);
    await s.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', sha256Hex(tokenOf(cookie)))
      .execute();
    const me = await query(s.base, 'auth.me', undefined, { cookie });
    expect(me.status).toBe(401);
    expect(me.reason).toBe('UNAUTHENTICATED');
  });

  it('sets the active organization only to one the caller is an active member of', async () => {
    const { user, cookie } = await signUp(s.base, 'switcher');
    const mine = await seedOrganization(s.db, [{ userId: user.id, role: 'viewer' }]);
    const { user: stranger } = await signUp(s.base, 'stranger');
    const theirs = await seedOrganization(s.db, [{ userId: stranger.id, role: 'owner' }]);

    const refused = await mutate(
      s.base,
      'auth.setActiveOrganization',
      { organizationId: theirs.id },
      { cookie },
    );
    expect(refused.status).toBe(404);
    expect(refused.reason).toBe('ORGANIZATION_NOT_FOUND');
    const session = () => sessionOf(cookie);
    expect((await session()).active_organization_id).toBeNull();

    const ok = await mutate(s.base, 'auth.setActiveOrganization', { organizationId: mine.id }, { cookie });
    expect(ok.status).toBe(200);
    expect((await session()).active_organization_id).toBe(mine.id);
    expect(
      (await query<{ activeOrganizationId: string }>(s.base, 'auth.me', undefined, { cookie })).data,
    ).toMatchObject({ activeOrganizationId: mine.id });

    // The membership ends (pointer left in place on purpose): me no longer reports the organization.
    await s.db
      .updateTable('memberships')
      .set({ status: 'removed', removed_at: new Date(), removal_reason: 'left' })
      .where('id', '=', mine.memberships[user.id]!)
      .execute();
    const me = await query<{ activeOrganizationId: string | null }>(s.base, 'auth.me', undefined, { cookie });
    expect(me.data.activeOrganizationId).toBeNull();
  });

  it('refuses a password sign-in for a user with no password (made by an identity provider)', async () => {
    const email = uniqueEmail('sso');
    const sso = await s.db
      .insertInto('users')
      .values({ email, name: 'SSO' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await mutate(s.base, 'auth.signIn', { email, password: PASSWORD });
    expect(res.reason).toBe('INVALID_CREDENTIALS');
    expect(res.sessionCookie).toBeUndefined();
    expect(await sessionsOf(sso.id)).toEqual([]);
  });

  it('takes a product’s own authenticate instead of sessions and keys', async () => {
    const { user, cookie } = await signUp(s.base, 'byo');
    const { app: custom, base: url } = await listenTestServer({
      db: s.db,
      rateLimit: false,
      authenticate: async (request) => {
        const token = request.headers.authorization;
        if (token === undefined) return null;
        if (token !== `Bearer idp-token-for-${user.id}`)
          throw new RosterError('UNAUTHENTICATED', 'Bad token');
        return { type: 'user', userId: user.id, sessionId: null };
      },
    });
    try {
      const me = await query<{ user: { id: string }; activeOrganizationId: null }>(
        url,
        'auth.me',
        undefined,
        {
          authorization: `Bearer idp-token-for-${user.id}`,
        },
      );
      expect(me.status).toBe(200);
      expect(me.data).toEqual({
        user: { id: user.id, email: user.email, name: 'byo', emailVerified: false },
        activeOrganizationId: null,
      });
      const bad = await query(url, 'auth.me', undefined, { authorization: 'Bearer forged' });
      expect(bad.status).toBe(401);
      expect(bad.body.error?.message).toBe('Bad token');
      // Roster's own cookie means nothing to this server.
      expect((await query(url, 'auth.me', undefined, { cookie })).reason).toBe('UNAUTHENTICATED');
      const org = await seedOrganization(s.db, [{ userId: user.id, role: 'owner' }]);
      const noSession = await mutate(
        url,
        'auth.setActiveOrganization',
        { organizationId: org.id },
        { authorization: `Bearer idp-token-for-${user.id}` },
      );
      expect(noSession.reason).toBe('SESSION_REQUIRED');
    } finally {
      await custom.close();
    }
  });

  it('marks the cookie Secure when the server runs with secureCookies (production)', async () => {
    const { app: secure, base: url } = await listenTestServer({
      db: s.db,
      secureCookies: true,
      rateLimit: false,
    });
    try {
      const email = uniqueEmail('secure');
      await mutate(url, 'auth.signUp', { email, password: PASSWORD, name: 'S' });
      const res = await mutate(url, 'auth.signIn', { email, password: PASSWORD });
      expect(res.setCookie.find((c) => c.startsWith('roster_session='))).toMatch(/; Secure/);
      const out = await mutate(url, 'auth.signOut', undefined, { cookie: res.sessionCookie });
      expect(out.setCookie.find((c) => c.startsWith('roster_session='))).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });

  describe('cross-site requests', () => {
    it('refuses a cookie-authenticated mutation from a foreign Origin, changing nothing', async () => {
      const { user, cookie } = await signUp(s.base, 'csrf');
      const org = await seedOrganization(s.db, [{ userId: user.id, role: 'owner' }]);
      const res = await mutate(
        s.base,
        'auth.setActiveOrganization',
        { organizationId: org.id },
        { cookie, origin: 'https://evil.example' },
      );
      expect(res.status).toBe(403);
      expect(res.reason).toBe('FORBIDDEN_ORIGIN');
      const signOut = await mutate(s.base, 'auth.signOut', undefined, { cookie, origin: 'null' });
      expect(signOut.reason).toBe('FORBIDDEN_ORIGIN');
      const noOrigin = await mutate(s.base, 'auth.signOut', undefined, {
        cookie,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(noOrigin.reason).toBe('FORBIDDEN_ORIGIN');
      expect(await sessionOf(cookie)).toMatchObject({ active_organization_id: null, revoked_at: null });
    });

    it('refuses a sign-in posted from a foreign Origin (login CSRF) and sets no cookie', async () => {
      const { user } = await signUp(s.base, 'logincsrf');
      const res = await mutate(
        s.base,
        'auth.signIn',
        { email: user.email, password: PASSWORD },
        { origin: 'https://evil.example' },
      );
      expect(res.reason).toBe('FORBIDDEN_ORIGIN');
      expect(res.sessionCookie).toBeUndefined();
      // Only the sign-up's own session exists.
      expect(await sessionsOf(user.id)).toHaveLength(1);
    });

    it('allows the server’s own origin, a configured one, and queries from anywhere', async () => {
      const { user, cookie } = await signUp(s.base, 'sameorigin');
      const org = await seedOrganization(s.db, [{ userId: user.id, role: 'owner' }]);
      /** Points the session at the organization from `origin` (none: a non-browser client); the row says it did. */
      const pointFrom = async (origin: string | undefined) => {
        await s.db
          .updateTable('sessions')
          .set({ active_organization_id: null })
          .where('token_hash', '=', sha256Hex(tokenOf(cookie)))
          .execute();
        const res = await mutate(
          s.base,
          'auth.setActiveOrganization',
          { organizationId: org.id },
          origin === undefined ? { cookie } : { cookie, origin },
        );
        expect(res.status).toBe(200);
        expect((await sessionOf(cookie)).active_organization_id).toBe(org.id);
      };
      await pointFrom(s.base);
      await pointFrom('http://localhost:5173');
      const read = await query(s.base, 'auth.me', undefined, { cookie, origin: 'https://evil.example' });
      expect(read.status).toBe(200);
      // No Origin (a non-browser client): allowed.
      await pointFrom(undefined);
    });
  });
});
