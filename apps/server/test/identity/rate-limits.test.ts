import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type TrustProxy } from '../../src/config';
import type { RateLimitSettings } from '../../src/rate-limit';
import {
  createKey,
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

const s = useIdentityServer();
const extra: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(extra.splice(0).map((app) => app.close()));
});

/** A server of its own (its own counters) on the shared test database. */
async function limited(
  rateLimit: Partial<RateLimitSettings> | false,
  options: { trustProxy?: TrustProxy } = {},
): Promise<string> {
  const { app, base } = await listenTestServer({ db: s.db, rateLimit, ...options });
  extra.push(app);
  return base;
}

function limits(headers: Headers) {
  return {
    policy: headers.get('ratelimit-policy'),
    limit: headers.get('ratelimit-limit'),
    remaining: headers.get('ratelimit-remaining'),
    reset: Number(headers.get('ratelimit-reset')),
  };
}

describe(`rate limits over HTTP (${DB_KIND})`, () => {
  it('puts RateLimit-Policy/-Limit/-Remaining/-Reset on every answer, refused ones included', async () => {
    const base = await limited({ max: 5, windowMs: 60_000 });
    const ok = await query(base, 'organizations.listMine');
    expect(ok.reason).toBe('UNAUTHENTICATED');
    expect(limits(ok.headers)).toMatchObject({ policy: '5;w=60', limit: '5', remaining: '4' });
    expect(limits(ok.headers).reset).toBeGreaterThan(0);
    expect(limits(ok.headers).reset).toBeLessThanOrEqual(60);
    const unknown = await query(base, 'nope.nothing');
    expect(unknown.status).toBe(404);
    expect(limits(unknown.headers).remaining).toBe('3');
  });

  it('answers 429 RATE_LIMITED with Retry-After in the tRPC error shape once the limit is spent', async () => {
    const base = await limited({ max: 3, windowMs: 60_000 });
    for (const remaining of ['2', '1', '0']) {
      const res = await query(base, 'auth.me');
      expect(res.status).toBe(401);
      expect(res.headers.get('ratelimit-remaining')).toBe(remaining);
    }
    const refused = await query(base, 'auth.me');
    expect(refused.status).toBe(429);
    expect(refused.reason).toBe('RATE_LIMITED');
    expect(refused.body.error).toMatchObject({
      code: -32029,
      data: {
        code: 'TOO_MANY_REQUESTS',
        httpStatus: 429,
        reason: 'RATE_LIMITED',
        docs: 'docs/errors.md#rate_limited',
        details: { limit: 3, windowSeconds: 60 },
      },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('counts per caller: a session user and an API key have their own budgets, apart from the IP’s', async () => {
    const { user, cookie } = await signUp(s.base, 'counted');
    const org = await seedOrganization(s.db, [{ userId: user.id, role: 'owner' }]);
    const key = await createKey(s.base, cookie, org.id, ['members:read']);
    const base = await limited({ max: 2, windowMs: 60_000 });
    await query(base, 'auth.me');
    await query(base, 'auth.me');
    expect((await query(base, 'auth.me')).status).toBe(429);

    const asUser = await query(base, 'auth.me', undefined, { cookie });
    expect(asUser.status).toBe(200);
    expect(asUser.headers.get('ratelimit-remaining')).toBe('1');
    const asKey = await query(base, 'members.list', { organizationId: org.id }, { apiKey: key.key });
    expect(asKey.status).toBe(200);
    expect(asKey.headers.get('ratelimit-remaining')).toBe('1');
    await query(base, 'auth.me', undefined, { cookie });
    const userRefused = await query(base, 'auth.me', undefined, { cookie });
    expect(userRefused.reason).toBe('RATE_LIMITED');
    // The key's budget is its own.
    expect((await query(base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status).toBe(
      200,
    );
  });

  it('counts every procedure of a batch', async () => {
    const { cookie } = await signUp(s.base, 'batcher');
    const base = await limited({ max: 10, windowMs: 60_000 });
    const res = await fetch(
      `${base}/trpc/auth.me,organizations.listMine,auth.me?batch=1&input=${encodeURIComponent('{}')}`,
      {
        headers: { cookie },
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as unknown[];
    expect(body).toHaveLength(3);
    expect(res.headers.get('ratelimit-remaining')).toBe('7');
  });

  describe('sign-in and sign-up', () => {
    it('have a stricter per-IP limit: attempts past it are refused before the password is checked', async () => {
      const { user } = await signUp(s.base, 'guessed');
      const base = await limited({ max: 1000, authMax: 3, authWindowMs: 60_000 });
      for (const remaining of ['2', '1', '0']) {
        const res = await mutate(base, 'auth.signIn', { email: user.email, password: 'wrong password' });
        expect(res.reason).toBe('INVALID_CREDENTIALS');
        expect(limits(res.headers)).toMatchObject({ policy: '3;w=60', limit: '3', remaining });
      }
      const sessionsBefore = await s.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', user.id)
        .execute();
      const right = await mutate(base, 'auth.signIn', { email: user.email, password: PASSWORD });
      expect(right.status).toBe(429);
      expect(right.reason).toBe('RATE_LIMITED');
      expect(right.sessionCookie).toBeUndefined();
      const sessionsAfter = await s.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', user.id)
        .execute();
      expect(sessionsAfter).toHaveLength(sessionsBefore.length);

      const email = uniqueEmail('spam');
      const signUpRefused = await mutate(base, 'auth.signUp', { email, password: PASSWORD, name: 'Spam' });
      expect(signUpRefused.reason).toBe('RATE_LIMITED');
      expect(await s.db.selectFrom('users').select('id').where('email', '=', email).execute()).toEqual([]);

      // Other procedures still answer from the general budget.
      const me = await query(base, 'auth.me');
      expect(me.reason).toBe('UNAUTHENTICATED');
      expect(me.headers.get('ratelimit-policy')).toBe('1000;w=60');
    });

    it('count inside a batch too (`/trpc/auth.signIn,auth.signUp?batch=1`)', async () => {
      const { user } = await signUp(s.base, 'batched');
      const base = await limited({ max: 1000, authMax: 2, authWindowMs: 60_000 });
      const email = uniqueEmail('batched-new');
      const batch = await fetch(`${base}/trpc/auth.signIn,auth.signUp?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          0: { email: user.email, password: 'wrong password' },
          1: { email, password: PASSWORD, name: 'New' },
        }),
      });
      const results = (await batch.json()) as Array<{ error?: { data: { reason: string } } }>;
      expect(results[0]!.error!.data.reason).toBe('INVALID_CREDENTIALS');
      expect(results[1]!.error).toBeUndefined();
      expect(batch.headers.get('ratelimit-remaining')).toBe('0');
      expect(await s.db.selectFrom('users').select('email').where('email', '=', email).execute()).toEqual([
        { email },
      ]);
      const sessionsOf = () =>
        s.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
      const sessionsBefore = await sessionsOf();

      const third = await fetch(`${base}/trpc/auth.signOut,auth.signIn?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 1: { email: user.email, password: PASSWORD } }),
      });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      const refused = (await third.json()) as Array<{ error: { data: { reason: string } } }>;
      expect(refused.map((r) => r.error.data.reason)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
      expect(await sessionsOf()).toEqual(sessionsBefore);
    });
  });

  it('can be turned off (rateLimit: false): no headers, no refusals', async () => {
    const base = await limited(false);
    for (let i = 0; i < 3; i++) {
      const res = await query(base, 'auth.me');
      expect(res.status).toBe(401);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  // Found by review: with TRUST_PROXY=true the left-most X-Forwarded-For entry, which the client writes,
  // was the client address, so each sign-in attempt could come "from" a new IP. A proxy appends the
  // address it saw to whatever the client sent: only that right-most entry (one hop) may be believed.
  it.each([
    ['its address', '127.0.0.1'],
    ['its range', '127.0.0.0/8, ::1'],
  ])(
    'behind a proxy (TRUST_PROXY names %s), a forged X-Forwarded-For does not change the sign-in limit’s key',
    async (_, trustProxy) => {
      const base = await limited(
        { max: 1000, authMax: 2, authWindowMs: 60_000 },
        { trustProxy: loadConfig({ TRUST_PROXY: trustProxy }).TRUST_PROXY },
      );
      const signInVia = (forwardedFor: string) =>
        mutate(
          base,
          'auth.signIn',
          { email: uniqueEmail('forged'), password: PASSWORD },
          { headers: { 'x-forwarded-for': forwardedFor } },
        );
      // One client, 203.0.113.7, forging a new left-most address each time; the proxy appends the real one.
      const answers = [];
      for (let i = 1; i <= 4; i++) answers.push(await signInVia(`198.51.100.${i}, 203.0.113.7`));
      expect(answers.map((a) => a.reason)).toEqual([
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
        'RATE_LIMITED',
        'RATE_LIMITED',
      ]);
      // The allowed path: another client behind the same proxy has its own count.
      expect((await signInVia('198.51.100.1, 203.0.113.8')).reason).toBe('INVALID_CREDENTIALS');
      // A client that sends no header of its own: the proxy's entry alone, still the same key.
      expect((await signInVia('203.0.113.7')).reason).toBe('RATE_LIMITED');
    },
  );
});
