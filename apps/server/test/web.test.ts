import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/app';
import { API_CSP, WEB_APP_CSP } from '../src/security-headers';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo, shouldSeedDemo } from '../src/seed';
import { listenTestServer } from './identity/helpers';

let t: TestDatabase;
let app: FastifyInstance;
let base: string;
const dist = mkdtempSync(join(tmpdir(), 'roster-web-dist-'));

beforeAll(async () => {
  // A stand-in for apps/web/dist: an index.html and a hashed asset.
  writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  t = await createTestDatabase();
  ({ app, base } = await listenTestServer({ db: t.db, webDist: dist, rateLimit: false }));
});
afterAll(async () => {
  await app?.close();
  await t?.destroy();
  rmSync(dist, { recursive: true, force: true });
});

describe('serving the web app beside the API', () => {
  it('serves index.html at / and for app URLs (the client-side router takes them), revalidated', async () => {
    for (const path of ['/', '/app/acme/members', '/sign-in?next=%2Fapp']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache, and a missing asset as a 404, not the app', async () => {
    const asset = await fetch(`${base}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await fetch(`${base}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<div id="root">');
  });

  // Issue 13, finding 9: the app had no security headers (framable, sniffable, no CSP).
  it('sends security headers: the app’s CSP on pages (never framed), a strict one on API answers, nosniff, no referrer', async () => {
    const page = await fetch(`${base}/app/acme`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(WEB_APP_CSP);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    for (const path of ['/app/acme', '/assets/index-abc123.js', '/healthz', '/trpc/auth.me', '/trpc/nope']) {
      const response = await fetch(`${base}${path}`);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      if (response.headers.get('content-type')?.includes('json')) {
        expect(response.headers.get('content-security-policy'), path).toBe(API_CSP);
      }
    }
  });

  it('leaves the API and health paths to the server', async () => {
    const unknown = await fetch(`${base}/trpc/nope/nothing`);
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { data: { reason: string } } };
    expect(body.error.data.reason).toBe('PROCEDURE_NOT_FOUND');
    expect((await fetch(`${base}/healthz`)).headers.get('content-type')).toMatch(/json/);
    const post = await fetch(`${base}/app`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('refuses to start with a WEB_DIST that holds no index.html', async () => {
    await expect(
      buildServer({ db: t.db, logLevel: 'silent', webDist: join(dist, 'assets') }),
    ).rejects.toThrow(/no index\.html/);
  });
});

describe('the demo seed', () => {
  it('runs on the embedded database by default, on PostgreSQL only when asked, never under tests or in production unless asked', () => {
    expect(shouldSeedDemo({})).toBe(true);
    expect(shouldSeedDemo({ SEED_DEMO: '0' })).toBe(false);
    expect(shouldSeedDemo({ DATABASE_URL: 'postgres://x@h/db' })).toBe(false);
    expect(shouldSeedDemo({ DATABASE_URL: 'postgres://x@h/db', SEED_DEMO: '1' })).toBe(true);
    expect(shouldSeedDemo({ NODE_ENV: 'test' })).toBe(false);
    expect(shouldSeedDemo({ NODE_ENV: 'test', SEED_DEMO: '1' })).toBe(true);
    // Production: only when asked explicitly (the process test checks the warning and the rows).
    expect(shouldSeedDemo({ NODE_ENV: 'production' })).toBe(false);
    expect(shouldSeedDemo({ NODE_ENV: 'production', SEED_DEMO: '0' })).toBe(false);
    expect(shouldSeedDemo({ NODE_ENV: 'production', SEED_DEMO: '1' })).toBe(true);
  });

  it('seeds an empty database once; the documented accounts sign in with their documented roles', async () => {
    expect(await seedDemo(t.db)).toBe(true);
    const users = await t.db.selectFrom('users').select('email').execute();
    expect(await seedDemo(t.db)).toBe(false);
    expect(await t.db.selectFrom('users').select('email').execute()).toHaveLength(users.length);

    const roles = await t.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .select(['organizations.slug', 'users.email', 'memberships.role'])
      .where(
        'users.email',
        'in',
        Object.values(DEMO_USERS).map((user) => user.email),
      )
      .where('memberships.status', '=', 'active')
      .orderBy('organizations.slug')
      .orderBy('users.email')
      .execute();
    expect(roles).toEqual([
      { slug: 'acme', email: 'ada@example.com', role: 'owner' },
      { slug: 'acme', email: 'ben@example.com', role: 'admin' },
      { slug: 'acme', email: 'cleo@example.com', role: 'member' },
      { slug: 'acme', email: 'dan@example.com', role: 'viewer' },
      { slug: 'globex', email: 'ada@example.com', role: 'member' },
      { slug: 'globex', email: 'cleo@example.com', role: 'owner' },
      { slug: 'globex', email: 'dan@example.com', role: 'admin' },
    ]);
    const invitation = await t.db
      .selectFrom('invitations')
      .select(['email', 'status'])
      .executeTakeFirstOrThrow();
    expect(invitation).toEqual({ email: 'eve@example.com', status: 'pending' });

    for (const user of Object.values(DEMO_USERS)) {
      const response = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: DEMO_PASSWORD }),
      });
      expect(response.status, user.email).toBe(200);
    }
    const wrong = await fetch(`${base}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_USERS.ada.email, password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);
    // One session per successful sign-in, none for the wrong password.
    const sessions = await t.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select('users.email')
      .execute();
    expect(sessions.map((row) => row.email).sort()).toEqual(
      Object.values(DEMO_USERS)
        .map((user) => user.email)
        .sort(),
    );
  });
});
