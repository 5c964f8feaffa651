import { createDatabase, type Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenTestServer } from '../identity/helpers';
import {
  createInterruptibleDatabase,
  holdOrganizationLock,
  seedOrganization,
  startTcpProxy,
  terminateBackend,
  testAuthenticate,
  waitForLockWaiters,
} from './fixtures';

const onPostgres = Boolean(process.env.DATABASE_URL);
const figures = { faultsInjected: 0, requestsDuringFaults: 0, violations: 0 };

if (!onPostgres) {
  console.log(
    '[reliability] faults: skipped on PGlite (an embedded single connection cannot be cut, partitioned or locked from a second connection); run with DATABASE_URL',
  );
}

interface TrpcAnswer {
  status: number;
  ms: number;
  text: string;
  body: {
    result?: { data: unknown };
    error?: { message: string; data: { reason: string; httpStatus: number } };
  };
}

async function trpc(base: string, userId: string, path: string, input: unknown, method: 'GET' | 'POST') {
  const started = performance.now();
  const headers = { 'x-test-user': userId, 'content-type': 'application/json' };
  const response =
    method === 'GET'
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const text = await response.text();
  return {
    status: response.status,
    ms: performance.now() - started,
    text,
    body: JSON.parse(text),
  } as TrpcAnswer;
}

/** A server on `db` whose callers say who they are in `x-test-user`, without rate limits. */
function serve(db: Kysely<Database>) {
  return listenTestServer({ db, authenticate: testAuthenticate, rateLimit: false });
}

describe.skipIf(!onPostgres)('faults (postgres)', () => {
  let t: TestDatabase;
  let db: Kysely<Database>;

  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t?.destroy();
    console.log(
      `[reliability] faults (postgres): ${figures.faultsInjected} faults injected, ${figures.requestsDuringFaults} requests during faults, violations: ${figures.violations}`,
    );
  });

  /** What a leave or removal writes for one membership: all of it or none of it may exist. */
  async function traces(organizationId: string, membershipId: string, userId: string) {
    const membership = await db
      .selectFrom('memberships')
      .select(['status', 'removal_reason'])
      .where('id', '=', membershipId)
      .executeTakeFirstOrThrow();
    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', organizationId)
      .where('target_membership_id', '=', membershipId)
      .execute();
    const events = await db
      .selectFrom('outbox_events')
      .select('payload')
      .where('organization_id', '=', organizationId)
      .where('type', '=', 'member.removed')
      .execute();
    const keys = await db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('organization_id', '=', organizationId)
      .where('created_by', '=', userId)
      .execute();
    const invitations = await db
      .selectFrom('invitations')
      .select('status')
      .where('organization_id', '=', organizationId)
      .where('invited_by', '=', userId)
      .execute();
    return {
      status: membership.status,
      audit: audit.length,
      events: events.filter((e) => (e.payload as { membershipId?: string }).membershipId === membershipId)
        .length,
      revokedKeys: keys.filter((k) => k.revoked_at !== null).length,
      revokedInvitations: invitations.filter((i) => i.status === 'revoked').length,
    };
  }

  /** What one leave or removal with nothing to revoke leaves behind. */
  const endedOnce = { status: 'removed', audit: 1, events: 1, revokedKeys: 0, revokedInvitations: 0 };

  describe('the database becomes unreachable', () => {
    let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
    let serverDb: Kysely<Database>;
    let app: FastifyInstance;
    let base: string;

    beforeAll(async () => {
      const target = new URL(t.url!);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      serverDb = createDatabase({
        url: proxy.url(t.url!),
        connectionTimeoutMs: 1000,
        statementTimeoutMs: 3000,
      });
      ({ app, base } = await serve(serverDb));
    });
    afterAll(async () => {
      await app?.close();
      await serverDb?.destroy();
      await proxy?.close();
    });

    it('answers /readyz 503 and calls INTERNAL_SERVER_ERROR quickly, then resumes by itself', async () => {
      const org = await seedOrganization(db, ['owner']);
      const owner = org.members[0]!.userId;
      const list = () => trpc(base, owner, 'webhooks.list', { organizationId: org.id }, 'GET');

      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await list()).status).toBe(200);

      for (const fault of ['refused', 'partition'] as const) {
        figures.faultsInjected++;
        if (fault === 'refused') await proxy.down();
        else await proxy.blackhole();

        const ready = await fetch(`${base}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'DATABASE_UNREACHABLE' });

        for (let i = 0; i < 3; i++) {
          figures.requestsDuringFaults++;
          const answer = await list();
          expect(answer.status).toBe(500);
          expect(answer.body.error?.data.reason).toBe('INTERNAL');
          expect(answer.body.error?.message).toBe('Internal server error');
          // No internals: neither the driver's error nor where the database lives.
          expect(answer.text).not.toMatch(/ECONNREFUSED|timeout|127\.0\.0\.1|postgres/i);
          // Bounded by the connect timeout (1 s here), never hanging: a generous ceiling, not a benchmark.
          expect(answer.ms).toBeLessThan(8000);
        }

        await proxy.up();
        await vi.waitFor(
          async () => {
            expect((await fetch(`${base}/readyz`)).status).toBe(200);
          },
          { timeout: 120_000, interval: 100 },
        );
        const back = await list();
        expect(back.status).toBe(200);
        expect(back.body.result?.data).toEqual([]);
      }
      // The server process kept serving throughout.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });
  });

  describe('a lock held by another transaction', () => {
    let serverDb: Kysely<Database>;
    let app: FastifyInstance;
    let base: string;

    beforeAll(async () => {
      serverDb = createDatabase({ url: t.url, lockTimeoutMs: 300 });
      ({ app, base } = await serve(serverDb));
    });
    afterAll(async () => {
      await app?.close();
      await serverDb?.destroy();
    });

    it('makes a change that needs the organization lock wait at most lock_timeout and answer the retryable CONCURRENT_CHANGE', async () => {
      const org = await seedOrganization(db, ['owner']);
      const owner = org.members[0]!.userId;
      const lock = await holdOrganizationLock(t.url!, org.id);
      figures.faultsInjected++;
      try {
        figures.requestsDuringFaults++;
        const answer = await trpc(
          base,
          owner,
          'webhooks.create',
          { organizationId: org.id, url: 'https://locked.example.test/' },
          'POST',
        );
        expect(answer.status).toBe(409);
        expect(answer.body.error?.data.reason).toBe('CONCURRENT_CHANGE');
        expect(answer.ms).toBeLessThan(8000);
        const written = await db
          .selectFrom('audit_log')
          .select('id')
          .where('organization_id', '=', org.id)
          .execute();
        expect(written).toEqual([]);
        expect(
          await db.selectFrom('webhooks').select('id').where('organization_id', '=', org.id).execute(),
        ).toEqual([]);
      } finally {
        await lock.release();
      }
      // Retrying once the other transaction is done succeeds.
      const retry = await trpc(
        base,
        owner,
        'webhooks.create',
        { organizationId: org.id, url: 'https://locked.example.test/' },
        'POST',
      );
      expect(retry.status).toBe(200);
      expect(
        await db.selectFrom('webhooks').select('id').where('organization_id', '=', org.id).execute(),
      ).toHaveLength(1);
    });

    it('makes members.leave wait at most lock_timeout behind another transaction and answer CONCURRENT_CHANGE', async () => {
      const org = await seedOrganization(db, ['owner', 'member']);
      const member = org.members[1]!;
      const lock = await holdOrganizationLock(t.url!, org.id);
      figures.faultsInjected++;
      figures.requestsDuringFaults++;
      try {
        const answer = await trpc(base, member.userId, 'members.leave', { organizationId: org.id }, 'POST');
        expect(answer.status).toBe(409);
        expect(answer.body.error?.data.reason).toBe('CONCURRENT_CHANGE');
        expect(answer.ms).toBeLessThan(8000);
        const row = await db
          .selectFrom('memberships')
          .select('status')
          .where('id', '=', member.membershipId)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('active');
        expect(
          await db.selectFrom('audit_log').select('id').where('organization_id', '=', org.id).execute(),
        ).toEqual([]);
      } finally {
        await lock.release();
      }
      const retry = await trpc(base, member.userId, 'members.leave', { organizationId: org.id }, 'POST');
      expect(retry.status).toBe(200);
      expect(await traces(org.id, member.membershipId, member.userId)).toEqual(endedOnce);
    });
  });

  it('remove blocked inside its write statement (a row lock from another session), then its backend killed -> all or nothing', async () => {
    // No test hook: another session locks the target's user row, which the audit insert's foreign key
    // check needs, so the removal's one write statement stops after marking the membership removed and
    // revoking (the check runs at the end of the statement); then we kill its backend.
    const serverDb = createDatabase({ url: t.url, lockTimeoutMs: 10_000 });
    const { app, base } = await serve(serverDb);
    const blocker = new pg.Client({ connectionString: t.url });
    await blocker.connect();
    try {
      const org = await seedOrganization(db, ['owner', 'member']);
      const [owner, member] = [org.members[0]!, org.members[1]!];
      await blocker.query('begin');
      await blocker.query('select id from users where id = $1 for update', [member.userId]);
      const pending = trpc(
        base,
        owner.userId,
        'members.remove',
        { organizationId: org.id, memberId: member.membershipId },
        'POST',
      );
      // Wait until the removal's backend is blocked on our lock, having already updated the membership.
      // (pg_stat_activity keeps the first 1 kB of a statement's text: the write's opening CTE.)
      const [blockedPid] = await waitForLockWaiters(blocker, 1, '%with ended as%update memberships%');
      expect(blockedPid).toBeDefined();
      figures.faultsInjected++;
      figures.requestsDuringFaults++;
      await blocker.query('select pg_terminate_backend($1)', [blockedPid]);
      const answer = await pending;
      expect(answer.status).toBe(500);
      expect(answer.body.error?.data.reason).toBe('INTERNAL');
      await blocker.query('rollback');
      const row = await db
        .selectFrom('memberships')
        .select('status')
        .where('id', '=', member.membershipId)
        .executeTakeFirstOrThrow();
      const audit = await db
        .selectFrom('audit_log')
        .select('id')
        .where('organization_id', '=', org.id)
        .execute();
      if (row.status !== 'active' || audit.length) figures.violations++;
      expect(row.status).toBe('active');
      expect(audit).toEqual([]);
      const retry = await trpc(
        base,
        owner.userId,
        'members.remove',
        { organizationId: org.id, memberId: member.membershipId },
        'POST',
      );
      expect(retry.status).toBe(200);
      expect(await traces(org.id, member.membershipId, member.userId)).toEqual(endedOnce);
    } finally {
      await blocker.end();
      await app.close();
      await serverDb.destroy();
    }
  });

  describe('the connection dies in the middle of a leave or a removal', () => {
    let hooked: ReturnType<typeof createInterruptibleDatabase>;
    let app: FastifyInstance;
    let base: string;

    beforeAll(async () => {
      hooked = createInterruptibleDatabase(t.url!);
      ({ app, base } = await serve(hooked.db));
    });
    afterAll(async () => {
      await app?.close();
      await hooked?.db.destroy();
    });

    async function seedTarget(roles: Array<'owner' | 'admin' | 'member' | 'viewer'>) {
      const org = await seedOrganization(db, roles);
      const target = org.members[org.members.length - 1]!;
      await db
        .insertInto('api_keys')
        .values({
          organization_id: org.id,
          created_by: target.userId,
          name: 'target key',
          prefix: 'rst_target00',
          secret_hash: `h-${target.membershipId}`,
          scopes: ['members:read'],
        })
        .execute();
      await db
        .insertInto('invitations')
        .values({
          organization_id: org.id,
          email: `invited-by-${target.membershipId}@example.test`,
          role: 'viewer',
          invited_by: target.userId,
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .execute();
      return { org, target };
    }

    const post = (userId: string, path: string, input: unknown) => trpc(base, userId, path, input, 'POST');

    // Hook points inside the one transaction: before the lock (with the read under it), after it —
    // before the one statement that writes the membership, the revocations, the audit entry and the
    // event (one statement is all or nothing by itself; the test above kills one in the middle) — and
    // right before COMMIT.
    const hookPoints = [
      { name: 'before the organization lock', match: /roster_lock_membership_change/i },
      { name: 'after the lock, before the write', match: /update\s+memberships/i },
      { name: 'before COMMIT', match: /^\s*commit\b/i },
    ];

    for (const operation of ['leave', 'remove'] as const) {
      for (const point of hookPoints) {
        it(`${operation}: killed ${point.name} -> nothing written; the server serves the retry`, async () => {
          const { org, target } = await seedTarget(['owner', 'member']);
          const owner = org.members[0]!;
          const [path, actor, input] =
            operation === 'leave'
              ? (['members.leave', target.userId, { organizationId: org.id }] as const)
              : ([
                  'members.remove',
                  owner.userId,
                  { organizationId: org.id, memberId: target.membershipId },
                ] as const);
          hooked.arm(point.match, (pid) => terminateBackend(t.url!, pid));
          figures.faultsInjected++;
          figures.requestsDuringFaults++;
          const killed = await post(actor, path, input);
          expect(hooked.fired).toBe(true);
          hooked.disarm();
          expect(killed.status).toBe(500);
          expect(killed.body.error?.data.reason).toBe('INTERNAL');
          const after = await traces(org.id, target.membershipId, target.userId);
          if (
            after.status !== 'active' ||
            after.audit ||
            after.events ||
            after.revokedKeys ||
            after.revokedInvitations
          ) {
            figures.violations++;
          }
          expect(after).toEqual({
            status: 'active',
            audit: 0,
            events: 0,
            revokedKeys: 0,
            revokedInvitations: 0,
          });

          // The same server answers the retry, and it does everything exactly once.
          const retry = await post(actor, path, input);
          expect(retry.status).toBe(200);
          expect(await traces(org.id, target.membershipId, target.userId)).toEqual({
            status: 'removed',
            audit: 1,
            events: 1,
            revokedKeys: 1,
            revokedInvitations: 1,
          });
        });
      }
    }

    it('keeps serving many requests after repeated kills (no poisoned pool connections)', async () => {
      const org = await seedOrganization(db, ['owner', 'member', 'member', 'member', 'member', 'member']);
      const owner = org.members[0]!;
      for (const member of org.members.slice(1, 4)) {
        hooked.arm(/insert\s+into\s+audit_log/i, (pid) => terminateBackend(t.url!, pid));
        figures.faultsInjected++;
        const killed = await post(owner.userId, 'members.remove', {
          organizationId: org.id,
          memberId: member.membershipId,
        });
        expect(killed.status).toBe(500);
        hooked.disarm();
      }
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          trpc(base, owner.userId, 'members.list', { organizationId: org.id }, 'GET'),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const active = await db
        .selectFrom('memberships')
        .select('id')
        .where('organization_id', '=', org.id)
        .where('status', '=', 'active')
        .execute();
      expect(active).toHaveLength(6);
    });
  });
});
