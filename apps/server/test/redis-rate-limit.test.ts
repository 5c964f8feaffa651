import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimitRedis, type RateLimitSettings } from '../src/rate-limit';
import { freePort, waitUntil } from './cluster';
import { DB_KIND, listenTestServer, mutate, query, signUp, useIdentityServer } from './identity/helpers';

/**
 * Rate limits in a shared Redis (the machine's, 127.0.0.1:6379, under a key prefix of this run), and what
 * happens when Redis goes away (a redis-server of the test's own, killed and started again).
 * Without Redis these tests are skipped with a message, except under CI=true, where that is a failure.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await ping(REDIS_URL);
const redisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!redisUp || !redisServer) {
  const why = !redisUp ? `no Redis answers at ${REDIS_URL}` : 'no redis-server binary';
  if (process.env.CI === 'true') throw new Error(`CI=true needs Redis for the shared rate limits: ${why}`);
  console.warn(`skipping the Redis rate-limit tests: ${why} (start it, see .ci/run)`);
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const s = useIdentityServer();
const servers: FastifyInstance[] = [];
const clients: Redis[] = [];
const prefixes: string[] = [];
const redisProcesses: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((app) => app.close()));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  for (const p of redisProcesses) p.kill('SIGKILL');
  if (!redisUp) return;
  // Leave the shared Redis as it was.
  const admin = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  admin.disconnect();
});

function client(url: string): Redis {
  const redis = createRateLimitRedis(url);
  clients.push(redis);
  return redis;
}

function prefix(): string {
  const p = `roster-test:${randomUUID().slice(0, 8)}:`;
  prefixes.push(p);
  return p;
}

/** A server of its own on the shared test database, counting in `redis` (or in memory without it). */
async function server(settings: Partial<RateLimitSettings>): Promise<string> {
  const { app, base } = await listenTestServer({ db: s.db, rateLimit: { max: 1000, ...settings } });
  servers.push(app);
  return base;
}

const wrongPassword = (base: string, email: string) =>
  mutate(base, 'auth.signIn', { email, password: 'wrong password' });

function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/** A redis-server of this test's own, on `port`; resolves once it answers. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  redisProcesses.push(child);
  await waitUntil(`redis-server on port ${port}`, () => ping(`redis://127.0.0.1:${port}`));
  return child;
}

describe.skipIf(!redisUp || !redisServer)(`rate limits in Redis (${DB_KIND})`, () => {
  let email: string;
  beforeAll(async () => {
    email = (await signUp(s.base, 'guessed')).user.email;
  });

  it('two servers on one Redis share the per-IP sign-in limit; in memory they would not', async () => {
    const redis = client(REDIS_URL);
    await ready(redis);
    const keyPrefix = prefix();
    const a = await server({ authMax: 4, redis, redisKeyPrefix: keyPrefix });
    const b = await server({ authMax: 4, redis, redisKeyPrefix: keyPrefix });
    const remaining: string[] = [];
    for (const base of [a, b, a, b]) {
      const res = await wrongPassword(base, email);
      expect(res.reason).toBe('INVALID_CREDENTIALS');
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const base of [a, b]) {
      const refused = await wrongPassword(base, email);
      expect(refused.status).toBe(429);
      expect(refused.reason).toBe('RATE_LIMITED');
    }
    // The counts are in Redis, under the prefix.
    const keys = await redis.keys(`${keyPrefix}*`);
    expect(
      keys.some((key) => key.startsWith(`${keyPrefix}rate-limit:`) && key.endsWith('auth:ip:127.0.0.1')),
    ).toBe(true);

    // The control: two servers counting in memory each allow the whole limit.
    const c = await server({ authMax: 2 });
    const d = await server({ authMax: 2 });
    for (const base of [c, d, c, d])
      expect((await wrongPassword(base, email)).reason).toBe('INVALID_CREDENTIALS');
    expect((await wrongPassword(c, email)).reason).toBe('RATE_LIMITED');
  });

  it('shares the general per-caller limit too', async () => {
    const redis = client(REDIS_URL);
    await ready(redis);
    const keyPrefix = prefix();
    const a = await server({ max: 3, redis, redisKeyPrefix: keyPrefix });
    const b = await server({ max: 3, redis, redisKeyPrefix: keyPrefix });
    expect((await query(a, 'auth.me')).headers.get('ratelimit-remaining')).toBe('2');
    expect((await query(b, 'auth.me')).headers.get('ratelimit-remaining')).toBe('1');
    expect((await query(a, 'auth.me')).headers.get('ratelimit-remaining')).toBe('0');
    expect((await query(b, 'auth.me')).reason).toBe('RATE_LIMITED');
  });

  it('while Redis is away each server counts in its own memory (never unlimited, never refusing all); shared again once it is back', async () => {
    const port = await freePort();
    let redisProcess = await startRedis(port);
    const redis = client(`redis://127.0.0.1:${port}`);
    await ready(redis);
    const keyPrefix = prefix();
    const a = await server({ authMax: 3, redis, redisKeyPrefix: keyPrefix });
    const b = await server({ authMax: 3, redis, redisKeyPrefix: keyPrefix });
    expect((await wrongPassword(a, email)).headers.get('ratelimit-remaining')).toBe('2');
    expect((await wrongPassword(b, email)).headers.get('ratelimit-remaining')).toBe('1');

    // Redis goes away.
    const gone = new Promise((resolve) => redisProcess.once('exit', resolve));
    redisProcess.kill('SIGKILL');
    await gone;
    await waitUntil('the client to notice', () => redis.status !== 'ready');

    // Calls are served and still limited: each server allows the limit once more, counting alone.
    for (const base of [a, b]) {
      for (const remaining of ['2', '1', '0']) {
        const res = await wrongPassword(base, email);
        expect(res.reason).toBe('INVALID_CREDENTIALS');
        expect(res.headers.get('ratelimit-remaining')).toBe(remaining);
      }
      expect((await wrongPassword(base, email)).reason).toBe('RATE_LIMITED');
      // Other procedures answer as usual.
      expect((await query(base, 'auth.me')).reason).toBe('UNAUTHENTICATED');
    }

    // Redis comes back (empty: it kept nothing): the client reconnects and the count is shared again.
    redisProcess = await startRedis(port);
    await ready(redis);
    expect((await wrongPassword(b, email)).headers.get('ratelimit-remaining')).toBe('2');
    expect((await wrongPassword(a, email)).headers.get('ratelimit-remaining')).toBe('1');
    expect((await wrongPassword(b, email)).headers.get('ratelimit-remaining')).toBe('0');
    expect((await wrongPassword(a, email)).reason).toBe('RATE_LIMITED');
    expect(await redis.exists(`${keyPrefix}rate-limit:auth:ip:127.0.0.1`)).toBe(1);
  });
});
