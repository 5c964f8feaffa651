import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { type RunningServer, startServer } from '../../src/start';
import { DB_KIND, mutate, PASSWORD, query, uniqueEmail } from './helpers';

describe('identity configuration', () => {
  it('has defaults for rate limits, origins and proxies', () => {
    expect(loadConfig({})).toMatchObject({
      RATE_LIMIT_MAX: 600,
      RATE_LIMIT_WINDOW_SECONDS: 60,
      AUTH_RATE_LIMIT_MAX: 10,
      AUTH_RATE_LIMIT_WINDOW_SECONDS: 60,
      ALLOWED_ORIGINS: [],
      TRUST_PROXY: false,
    });
    expect(
      loadConfig({
        ALLOWED_ORIGINS: 'http://localhost:5173, https://app.example.com/',
        TRUST_PROXY: '10.0.0.1',
      }),
    ).toMatchObject({
      ALLOWED_ORIGINS: ['http://localhost:5173', 'https://app.example.com/'],
      TRUST_PROXY: ['10.0.0.1'],
    });
  });

  it('takes TRUST_PROXY as the proxies’ addresses/CIDRs', () => {
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).TRUST_PROXY).toEqual(['10.0.0.0/8']);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.7, ::1, fd00::/8, loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  // Found by review: TRUST_PROXY=true made the left-most X-Forwarded-For entry, which any client writes,
  // the client address, so the per-IP sign-in limit could be dodged with a header.
  it.each([
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must not be true/],
    [{ TRUST_PROXY: '1' }, /TRUST_PROXY must be the proxies’ addresses or CIDRs, not a hop count/],
    [
      { TRUST_PROXY: 'maybe' },
      /TRUST_PROXY must be comma-separated proxy addresses or CIDRs .*not understood: maybe/,
    ],
    [{ TRUST_PROXY: '10.0.0.0/99' }, /TRUST_PROXY .*not understood: 10\.0\.0\.0\/99/],
    [{ TRUST_PROXY: '127.1' }, /TRUST_PROXY .*not understood: 127\.1/],
    [{ TRUST_PROXY: '10.0.0.1, ' }, /TRUST_PROXY/],
  ])('refuses %j, naming TRUST_PROXY', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    [{ RATE_LIMIT_MAX: 'lots' }, /RATE_LIMIT_MAX must be a number/],
    [{ RATE_LIMIT_MAX: '0' }, /RATE_LIMIT_MAX/],
    [{ AUTH_RATE_LIMIT_WINDOW_SECONDS: '-5' }, /AUTH_RATE_LIMIT_WINDOW_SECONDS/],
    [{ ALLOWED_ORIGINS: 'app.example.com' }, /ALLOWED_ORIGINS must be comma-separated origins/],
    [{ ALLOWED_ORIGINS: 'https://app.example.com/path' }, /ALLOWED_ORIGINS/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe(`startServer applies the identity configuration (${DB_KIND})`, () => {
  let t: TestDatabase | undefined;
  let server: RunningServer;

  beforeAll(async () => {
    // On Postgres the server gets a test database of its own; on PGlite it opens one in memory itself.
    t = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://127.0.0.1:1',
      APP_URL: 'https://app.example.com',
      MAILER_INTERVAL_MS: '0',
      WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
      LOG_LEVEL: 'silent',
      SEED_DEMO: '0',
      DISPATCHER_INTERVAL_MS: '0',
      RATE_LIMIT_MAX: '50',
      RATE_LIMIT_WINDOW_SECONDS: '30',
      AUTH_RATE_LIMIT_MAX: '2',
      ALLOWED_ORIGINS: 'https://app.example.com',
      ...(t?.url ? { DATABASE_URL: t.url } : { DATA_DIR: 'memory://' }),
    });
    server = await startServer(config);
  });
  afterAll(async () => {
    await server?.close();
    await t?.destroy();
  });

  it('limits from RATE_LIMIT_*, Secure cookies in production, origins from ALLOWED_ORIGINS', async () => {
    const me = await query(server.url, 'auth.me');
    expect(me.headers.get('ratelimit-policy')).toBe('50;w=30');

    const email = uniqueEmail('prod');
    const signedUp = await mutate(
      server.url,
      'auth.signUp',
      { email, password: PASSWORD, name: 'Prod' },
      { origin: 'https://app.example.com' },
    );
    expect(signedUp.status).toBe(200);
    expect(signedUp.headers.get('ratelimit-policy')).toBe('2;w=60');
    const signUp = await mutate(
      server.url,
      'auth.signIn',
      { email, password: PASSWORD },
      { origin: 'https://app.example.com' },
    );
    expect(signUp.status).toBe(200);
    expect(signUp.setCookie.find((c) => c.startsWith('roster_session='))).toMatch(/; Secure/);

    const foreign = await mutate(server.url, 'auth.signOut', undefined, {
      cookie: signUp.sessionCookie,
      origin: 'https://elsewhere.example.com',
    });
    expect(foreign.reason).toBe('FORBIDDEN_ORIGIN');
    // The refused sign-out revoked nothing: the session still signs its user in.
    expect((await query(server.url, 'auth.me', undefined, { cookie: signUp.sessionCookie })).status).toBe(
      200,
    );
  });
});
