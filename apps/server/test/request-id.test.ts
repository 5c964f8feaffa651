import { randomUUID } from 'node:crypto';
import { createSession } from '@roster/api';
import type { Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  listenTestServer,
  membershipStatus as membershipStatusOf,
  mutate,
  query,
} from './identity/helpers';
import { seedOrganization } from './reliability/fixtures';

/**
 * Every error body carries the request id (`error.data.requestId`, equal to the `x-request-id` response
 * header), also for refusals decided while the request's context is built — a foreign Origin, a bad API
 * key, a spent rate limit — before any procedure runs.
 */

let t: TestDatabase;
let db: Kysely<Database>;
let app: FastifyInstance;
let base: string;
/** A second server with a tiny limit, for the rate-limit refusal. */
let limitedApp: FastifyInstance;
let limitedBase: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  ({ app, base } = await listenTestServer({ db, rateLimit: false }));
  ({ app: limitedApp, base: limitedBase } = await listenTestServer({
    db,
    rateLimit: { max: 1, windowMs: 60_000, authMax: 100, authWindowMs: 60_000 },
  }));
});
afterAll(async () => {
  await app?.close();
  await limitedApp?.close();
  await t?.destroy();
});

type ErrorBody = { error: { data: { reason: string; requestId: string | null } } };

/** An answer with its `x-request-id` header. */
function withRequestId(answer: CallResult) {
  return { ...answer, requestId: answer.headers.get('x-request-id') };
}

function post(path: string, input: unknown, headers: Record<string, string>) {
  return mutate(base, path, input, { headers }).then(withRequestId);
}

/** A user with a session, an active member of a fresh organization. */
async function member() {
  const org = await seedOrganization(db, ['member']);
  const { userId, membershipId } = org.members[0]!;
  const { token } = await createSession(db, userId, org.id);
  return { userId, orgId: org.id, membershipId, token };
}

const membershipStatus = (id: string) => membershipStatusOf(db, id);

describe('error.data.requestId on refusals decided while the context is built', () => {
  it('a cookie mutation from a foreign Origin: 403 FORBIDDEN_ORIGIN with the request id, nothing written', async () => {
    const m = await member();
    const refused = await post(
      'members.leave',
      { organizationId: m.orgId },
      { cookie: `roster_session=${m.token}`, origin: 'https://evil.example' },
    );
    const body = refused.body as unknown as ErrorBody;
    expect([refused.status, body.error.data.reason]).toEqual([403, 'FORBIDDEN_ORIGIN']);
    expect(refused.requestId).toMatch(/\S/);
    expect(body.error.data.requestId).toBe(refused.requestId);
    expect(await membershipStatus(m.membershipId)).toBe('active');

    // The allowed path: the same leave from the server's own origin goes through.
    const allowed = await post(
      'members.leave',
      { organizationId: m.orgId },
      { cookie: `roster_session=${m.token}`, origin: base },
    );
    expect(allowed.status).toBe(200);
    expect(await membershipStatus(m.membershipId)).toBe('removed');
  });

  it('a mistyped API key: 401 INVALID_API_KEY with the request id, for every call of a batch', async () => {
    const mistyped = `Bearer rst_${'x'.repeat(30)}`;
    const single = await post('members.leave', { organizationId: randomUUID() }, { authorization: mistyped });
    const list = withRequestId(await query(base, 'members.list', {}, { authorization: mistyped }));
    for (const answer of [single, list]) {
      const body = answer.body as unknown as ErrorBody;
      expect([answer.status, body.error.data.reason]).toEqual([401, 'INVALID_API_KEY']);
      expect(answer.requestId).toMatch(/\S/);
      expect(body.error.data.requestId).toBe(answer.requestId);
    }
    expect(single.requestId).not.toBe(list.requestId);

    const m = await member();
    const batch = await post(
      'members.remove,members.leave?batch=1',
      { 0: { organizationId: m.orgId, memberId: m.membershipId }, 1: { organizationId: m.orgId } },
      { authorization: mistyped },
    );
    const items = batch.body as unknown as ErrorBody[];
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item.error.data.reason).toBe('INVALID_API_KEY');
      expect(item.error.data.requestId).toBe(batch.requestId);
    }
    expect(await membershipStatus(m.membershipId)).toBe('active');
  });

  it('a spent rate limit: 429 RATE_LIMITED with the request id', async () => {
    const first = await fetch(`${limitedBase}/trpc/auth.me`);
    expect(first.status).not.toBe(429);
    const response = await fetch(`${limitedBase}/trpc/auth.me`);
    const body = (await response.json()) as ErrorBody;
    expect([response.status, body.error.data.reason]).toEqual([429, 'RATE_LIMITED']);
    expect(response.headers.get('x-request-id')).toMatch(/\S/);
    expect(body.error.data.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('a request id set by a proxy in front is the one answered, in the header and the body', async () => {
    const requestId = `proxy-${randomUUID()}`;
    const refused = await post(
      'members.leave',
      { organizationId: randomUUID() },
      { authorization: 'Bearer not-a-key', 'x-request-id': requestId },
    );
    expect(refused.requestId).toBe(requestId);
    expect((refused.body as unknown as ErrorBody).error.data).toMatchObject({
      reason: 'INVALID_API_KEY',
      requestId,
    });
  });

  it('a refusal inside a procedure carries it too (the context exists there)', async () => {
    const m = await member();
    const refused = await post(
      'members.remove',
      { organizationId: randomUUID(), memberId: m.membershipId },
      { cookie: `roster_session=${m.token}`, origin: base },
    );
    const body = refused.body as unknown as ErrorBody;
    expect([refused.status, body.error.data.reason]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    expect(body.error.data.requestId).toBe(refused.requestId);
  });
});

// Issue 13, finding 9: a client's X-Request-Id was echoed and logged as sent, whatever its length or
// characters. It is kept only when it looks like an id; otherwise the server makes its own.
describe('a client’s X-Request-Id', () => {
  it.each([
    ['a UUID', randomUUID(), true],
    ['a trace id with . _ : -', 'trace-1.2_3:4', true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['spaces', 'has spaces', false],
    ['markup', '<script>alert(1)</script>', false],
    ['a forged log field', 'x","level":60,"msg":"forged', false],
    ['non-ASCII', 'réq', false],
  ])('%s: %s', async (_, sent, kept) => {
    const answer = await fetch(`${base}/healthz`, { headers: { 'x-request-id': sent } });
    const echoed = answer.headers.get('x-request-id');
    if (kept) expect(echoed).toBe(sent);
    else expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // And in an error body: the same id.
    const refused = await fetch(`${base}/trpc/auth.me`, { headers: { 'x-request-id': sent } });
    const body = (await refused.json()) as ErrorBody;
    expect(body.error.data.requestId).toBe(refused.headers.get('x-request-id'));
    if (!kept) expect(body.error.data.requestId).not.toBe(sent);
  });
});
