import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSession, hashPassword } from '@roster/api';
import type { Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import Redis from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from './cluster';

/**
 * Two server processes (the real entry point, `src/main.ts`) on one PostgreSQL database and one Redis,
 * as two replicas behind a load balancer would run. PostgreSQL only: the embedded database is one
 * process's. Skipped with a message on PGlite; under CI=true with DATABASE_URL set, a missing Redis fails.
 */
const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redisUp = ON_POSTGRES && (await ping(REDIS_URL));
if (!ON_POSTGRES) {
  console.warn(
    'skipping the two-instance tests: they need PostgreSQL (DATABASE_URL); the embedded database belongs to one process',
  );
} else if (!redisUp) {
  if (process.env.CI === 'true')
    throw new Error(`CI=true needs Redis at ${REDIS_URL} for the two-instance tests`);
  console.warn(`skipping the two-instance tests: no Redis answers at ${REDIS_URL}`);
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

const AUTH_LIMIT = 5;
const ROUNDS = 50;
const serverDir = join(import.meta.dirname, '..');

interface Instance {
  name: string;
  base: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `src/main.ts` (through tsx, as the process test does) and waits for its log line and /readyz. */
async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    `${name} to log that it listens`,
    () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${out}`);
      return out.includes('Roster listening on');
    },
    300_000,
  );
  await waitUntil(`${name} to be ready`, async () => (await fetch(`${base}/readyz`)).status === 200, 300_000);
  return { name, base, child, output: () => out, exited };
}

interface Answer {
  status: number;
  reason: string | undefined;
  data: unknown;
  headers: Headers;
}

async function post(base: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { data: { reason?: string } } };
  return {
    status: res.status,
    reason: body.error?.data.reason,
    data: body.result?.data,
    headers: res.headers,
  } satisfies Answer;
}

let t: TestDatabase;
let db: Kysely<Database>;
let a: Instance;
let b: Instance;
let receiver: http.Server;
const received: Array<{ id: string; body: string }> = [];
let receiverUrl: string;
const keyPrefix = `roster-test:${randomUUID().slice(0, 8)}:`;

async function seedUser(label: string, password?: string) {
  return db
    .insertInto('users')
    .values({
      email: `${label}-${randomUUID().slice(0, 8)}@example.test`,
      name: label,
      password_hash: password ? await hashPassword(password) : null,
    })
    .returning(['id', 'email'])
    .executeTakeFirstOrThrow();
}

/** A session cookie for `userId`, as sign-in would set it. */
async function cookieFor(userId: string) {
  const { token } = await createSession(db, userId, null);
  return { cookie: `roster_session=${token}` };
}

async function organizationWith(members: Array<{ userId: string; role: 'owner' | 'admin' | 'member' }>) {
  const tag = randomUUID().slice(0, 8);
  const org = await db
    .insertInto('organizations')
    .values({ name: `Org ${tag}`, slug: `org-${tag}` })
    .returning(['id', 'slug'])
    .executeTakeFirstOrThrow();
  const rows = await db
    .insertInto('memberships')
    .values(members.map((m) => ({ organization_id: org.id, user_id: m.userId, role: m.role })))
    .returning(['id', 'user_id'])
    .execute();
  return { ...org, membershipOf: (userId: string) => rows.find((r) => r.user_id === userId)!.id };
}

describe.skipIf(!ON_POSTGRES || !redisUp)('two server processes on one PostgreSQL and one Redis', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        // The event id: Standard Webhooks' header, or Roster's own.
        const id = String(req.headers['webhook-id'] ?? req.headers['roster-event-id'] ?? '');
        received.push({ id, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const env = {
      DATABASE_URL: t.url!,
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      // A deadline only: on a busy machine a Redis answer may be slow, and counting in memory would
      // make the shared limit look broken.
      REDIS_COMMAND_TIMEOUT_MS: '60000',
      AUTH_RATE_LIMIT_MAX: String(AUTH_LIMIT),
      RATE_LIMIT_MAX: '100000',
      DISPATCHER_INTERVAL_MS: '100',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
      MAILER_INTERVAL_MS: '0',
      SEED_DEMO: '0',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
    };
    [a, b] = await Promise.all([startInstance('instance A', env), startInstance('instance B', env)]);
  }, 600_000);

  afterAll(async () => {
    for (const instance of [a, b]) {
      if (instance && instance.child.exitCode === null && instance.child.signalCode === null) {
        instance.child.kill('SIGTERM');
        await instance.exited;
      }
    }
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await t?.destroy();
  }, 600_000);

  it('share the per-IP sign-in limit: it is reached across both', async () => {
    const user = await seedUser('guessed', 'correct horse battery staple');
    const attempt = (instance: Instance) =>
      post(instance.base, 'auth.signIn', { email: user.email, password: 'wrong password' });
    const remaining: string[] = [];
    for (let i = 0; i < AUTH_LIMIT; i++) {
      const answer = await attempt(i % 2 === 0 ? a : b);
      expect(answer.reason).toBe('INVALID_CREDENTIALS');
      remaining.push(answer.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    for (const instance of [b, a]) {
      const refused = await attempt(instance);
      expect(refused.status).toBe(429);
      expect(refused.reason).toBe('RATE_LIMITED');
    }
    // Even the right password waits: the count is shared, not per process.
    const right = await post(a.base, 'auth.signIn', {
      email: user.email,
      password: 'correct horse battery staple',
    });
    expect(right.reason).toBe('RATE_LIMITED');
    const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(sessions).toEqual([]);
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.exists(`${keyPrefix}rate-limit:auth:ip:127.0.0.1`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 300_000);

  it(`two owners leaving at once through different instances leave exactly one owner (${ROUNDS} rounds)`, async () => {
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const [first, second] = await Promise.all([seedUser('owner-a'), seedUser('owner-b')]);
      const org = await organizationWith([
        { userId: first!.id, role: 'owner' },
        { userId: second!.id, role: 'owner' },
      ]);
      const [cookieA, cookieB] = await Promise.all([cookieFor(first!.id), cookieFor(second!.id)]);
      const answers = await Promise.all([
        post(a.base, 'members.leave', { organizationId: org.id }, cookieA),
        post(b.base, 'members.leave', { organizationId: org.id }, cookieB),
      ]);
      const owners = await db
        .selectFrom('memberships')
        .select(['user_id'])
        .where('organization_id', '=', org.id)
        .where('status', '=', 'active')
        .where('role', '=', 'owner')
        .execute();
      expect(owners).toHaveLength(1);
      const succeeded = answers.filter((answer) => answer.status === 200);
      expect(succeeded).toHaveLength(1);
      const refused = answers.find((answer) => answer.status !== 200)!;
      // The one that lost waited for the organization lock and found the last owner; under heavy load it
      // may instead have waited past lock_timeout (a retryable refusal). Never both leaving.
      expect(['AT_LEAST_ONE_OWNER_REQUIRED', 'CONCURRENT_CHANGE']).toContain(refused.reason);
      outcomes[refused.reason!] = (outcomes[refused.reason!] ?? 0) + 1;
      // The one who stayed is the one whose leave was refused.
      const stayed = answers[0] === refused ? first! : second!;
      expect(owners[0]!.user_id).toBe(stayed.id);
    }
    console.log(
      `[instances] ${ROUNDS} rounds of two owners leaving at once: refusals ${JSON.stringify(outcomes)}`,
    );
  }, 900_000);

  it('deliver each webhook event exactly once with two dispatchers running', async () => {
    const owner = await seedUser('hook-owner');
    const members = await Promise.all(Array.from({ length: 20 }, (_, i) => seedUser(`leaver-${i}`)));
    const org = await organizationWith([
      { userId: owner.id, role: 'owner' },
      ...members.map((m) => ({ userId: m.id, role: 'member' as const })),
    ]);
    const ownerCookie = await cookieFor(owner.id);
    const created = await post(
      a.base,
      'webhooks.create',
      { organizationId: org.id, url: receiverUrl },
      ownerCookie,
    );
    expect(created.status).toBe(200);
    // Twenty removals, alternately through each instance: twenty member.removed events.
    for (const [i, member] of members.entries()) {
      const answer = await post(
        (i % 2 === 0 ? a : b).base,
        'members.remove',
        { organizationId: org.id, memberId: org.membershipOf(member.id) },
        ownerCookie,
      );
      expect(answer.status).toBe(200);
    }
    const events = await db
      .selectFrom('outbox_events')
      .select('id')
      .where('organization_id', '=', org.id)
      .where('type', '=', 'member.removed')
      .execute();
    expect(events).toHaveLength(members.length);
    const ids = new Set(events.map((e) => e.id));
    // Wait until every event of the organization is settled: from then on no dispatcher claims it again.
    await waitUntil('every event delivered and settled', async () => {
      const unsettled = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('event_id', 'in', [...ids])
        .where('status', '=', 'pending')
        .execute();
      const fannedOut = await db
        .selectFrom('outbox_events')
        .select('id')
        .where('id', 'in', [...ids])
        .where('webhook_fanout_at', 'is not', null)
        .execute();
      return (
        fannedOut.length === ids.size &&
        unsettled.length === 0 &&
        [...ids].every((id) => received.some((r) => r.id === id))
      );
    });
    const deliveries = received.filter((r) => ids.has(r.id));
    const perEvent = new Map<string, number>();
    for (const { id } of deliveries) perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
    expect(perEvent.size).toBe(members.length);
    expect([...perEvent.values()].every((count) => count === 1)).toBe(true);
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts'])
      .where('event_id', 'in', [...ids])
      .execute();
    expect(rows).toHaveLength(members.length);
    expect(rows.every((row) => row.status === 'delivered' && row.attempts === 1)).toBe(true);
  }, 600_000);

  it('a process killed (SIGKILL) mid-request loses nothing it acknowledged', async () => {
    const user = await seedUser('creator');
    const { cookie } = await cookieFor(user.id);
    const acknowledged: string[] = [];
    const unanswered: string[] = [];
    const KILL_AFTER = 20;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      a.child.kill('SIGKILL');
    };
    // Eight callers keep one request each in flight at A; the kill comes while the others still wait.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!killed) {
          const slug = `k-${randomUUID().slice(0, 12)}`;
          try {
            const answer = await post(
              a.base,
              'organizations.create',
              { name: `Kept ${slug}`, slug },
              { cookie },
            );
            if (answer.status !== 200)
              throw new Error(`organizations.create answered ${answer.status} ${answer.reason}`);
            acknowledged.push(slug);
            if (acknowledged.length >= KILL_AFTER) kill();
          } catch (error) {
            if (!killed) throw error;
            unanswered.push(slug);
          }
        }
      }),
    );
    await a.exited;
    expect(a.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);

    // Every acknowledged creation is there, whole: the organization, its owner, its audit entry, its event.
    const whole = async (slug: string) => {
      const org = await db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', slug)
        .executeTakeFirst();
      if (!org) return 'absent';
      const [membership, audit, event] = await Promise.all([
        db
          .selectFrom('memberships')
          .select('id')
          .where('organization_id', '=', org.id)
          .where('user_id', '=', user.id)
          .where('role', '=', 'owner')
          .where('status', '=', 'active')
          .executeTakeFirst(),
        db
          .selectFrom('audit_log')
          .select('id')
          .where('organization_id', '=', org.id)
          .where('action', '=', 'organization.created')
          .executeTakeFirst(),
        db
          .selectFrom('outbox_events')
          .select('id')
          .where('organization_id', '=', org.id)
          .where('type', '=', 'member.added')
          .executeTakeFirst(),
      ]);
      return membership && audit && event ? 'whole' : 'partial';
    };
    for (const slug of acknowledged) expect(await whole(slug)).toBe('whole');
    // What was in flight is all or nothing.
    const inFlight = await Promise.all(unanswered.map(whole));
    expect(inFlight.filter((state) => state === 'partial')).toEqual([]);
    // The other instance serves on, and sees every acknowledged organization.
    const mine = await fetch(`${b.base}/trpc/organizations.listMine`, { headers: { cookie } });
    expect(mine.status).toBe(200);
    const listed = ((await mine.json()) as { result: { data: Array<{ slug: string }> } }).result.data;
    expect(listed.map((o) => o.slug)).toEqual(expect.arrayContaining(acknowledged));
    console.log(
      `[instances] SIGKILL: ${acknowledged.length} acknowledged and kept, ${unanswered.length} unanswered ` +
        `(${inFlight.filter((s) => s === 'whole').length} committed before the kill, the rest absent)`,
    );
  }, 600_000);
});
