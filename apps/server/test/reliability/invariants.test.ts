import { randomUUID } from 'node:crypto';
import { createSession } from '@roster/api';
import type { Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenTestServer, seedOrganization } from '../identity/helpers';
import { holdOrganizationLock, seedUser, waitForLockWaiters } from './fixtures';
import {
  type Actor,
  explainBatch,
  type Op,
  type OrgModel,
  type Outcome,
  RETRYABLE,
  type ResolvedOp,
  type Role,
} from './model';

let t: TestDatabase;
let db: Kysely<Database>;
let app: FastifyInstance;
let base: string;
const figures = {
  runs: 0,
  batches: 0,
  operations: 0,
  accepted: 0,
  refused: 0,
  retryable: 0,
  reordered: 0,
  invariantChecks: 0,
  accessChecks: 0,
  keyPowerChecks: 0,
  keysLimitedByDemotion: 0,
  violations: 0,
};
const reasons = new Map<string, number>();

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  ({ app, base } = await listenTestServer({ db, rateLimit: false }));
});
afterAll(async () => {
  await app?.close();
  await t?.destroy();
  console.log(
    `[reliability] invariants under random load (${t?.kind}${t?.kind === 'pglite' ? ', batches serialized by the single connection' : ', batches concurrent'}): ` +
      `${figures.runs} runs, ${figures.batches} batches, ${figures.operations} operations ` +
      `(${figures.accepted} accepted, ${figures.refused} refused, ${figures.retryable} retryable), ` +
      `${figures.reordered} batches explained only by a reordering, ${figures.invariantChecks} invariant checks, ` +
      `${figures.accessChecks} access probes, ${figures.keyPowerChecks} key power probes (${figures.keysLimitedByDemotion} of a demoted creator's live key), violations: ${figures.violations}; refusals ${JSON.stringify(Object.fromEntries(reasons))}`,
  );
});

const USERS = 5;
const ORGS = 2;
const NOWHERE = '00000000-0000-4000-8000-000000000000';

interface World {
  users: Array<{ id: string; email: string; token: string }>;
  orgs: Array<{ id: string; keys: string[] }>;
  model: OrgModel[];
}

type Credentials = { cookie?: string; bearer?: string };

async function call(
  path: string,
  input: unknown,
  who: Credentials,
  method: 'GET' | 'POST' = 'POST',
): Promise<{
  status: number;
  body: { result?: { data: Record<string, unknown> }; error?: { data: { reason: string } } };
}> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who.cookie) headers.cookie = `roster_session=${who.cookie}`;
  if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
  const response =
    method === 'GET'
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  return { status: response.status, body: (await response.json()) as never };
}

/** Sets up users, organizations with the generated roles, sessions and API keys of owners and admins. */
async function createWorld(initialRoles: Array<Array<Role | null>>): Promise<World> {
  const users: World['users'] = [];
  for (let u = 0; u < USERS; u++) {
    const user = await seedUser(db, `u${u}`);
    users.push({ id: user.id, email: user.email, token: '' });
  }
  const orgs: World['orgs'] = [];
  const model: OrgModel[] = [];
  for (let o = 0; o < ORGS; o++) {
    const roles = initialRoles[o]!.flatMap((role, u) => (role ? [{ u, role }] : []));
    const org = await seedOrganization(
      db,
      roles.map(({ u, role }) => ({ userId: users[u]!.id, role })),
    );
    const members: OrgModel['members'] = new Map(
      roles.map(({ u, role }) => [u, { id: org.memberships[users[u]!.id]!, role }]),
    );
    orgs.push({ id: org.id, keys: [] });
    model.push({
      status: 'active',
      members,
      lastMembership: new Map(),
      invitations: new Map(),
      keys: [],
      offer: null,
      audit: {},
      events: {},
    });
  }
  // One session per user, pointing at the first organization they belong to.
  for (let u = 0; u < USERS; u++) {
    const first = model.findIndex((org) => org.members.has(u));
    users[u]!.token = (await createSession(db, users[u]!.id, first >= 0 ? orgs[first]!.id : null)).token;
  }
  // Every owner and admin creates an API key in their organization (through the API).
  for (let o = 0; o < ORGS; o++) {
    for (const [u, m] of model[o]!.members) {
      if (m.role !== 'owner' && m.role !== 'admin') continue;
      const created = await call(
        'apiKeys.create',
        {
          organizationId: orgs[o]!.id,
          name: `key of u${u}`,
          scopes: ['members:read', 'members:write', 'audit:read'],
        },
        { cookie: users[u]!.token },
      );
      expect(created.status).toBe(200);
      orgs[o]!.keys.push(created.body.result!.data.key as string);
      model[o]!.keys.push({ creator: u, revoked: false });
    }
  }
  return { users, orgs, model };
}

function resolve(world: World, op: Op): ResolvedOp {
  const org = world.model[op.org]!;
  if (
    op.kind === 'remove' ||
    op.kind === 'updateRole' ||
    op.kind === 'transferOwnership' ||
    op.kind === 'offerOwnership'
  ) {
    const memberId = org.members.get(op.target)?.id ?? org.lastMembership.get(op.target) ?? NOWHERE;
    return { ...op, memberId };
  }
  if (op.kind === 'accept') return { ...op, invitationId: org.invitations.get(op.user)?.id ?? NOWHERE };
  if (op.kind === 'acceptOwnership') return { ...op, offerId: org.offer?.id ?? NOWHERE };
  return op;
}

function credentials(world: World, op: ResolvedOp): Credentials {
  const actor: Actor = 'actor' in op ? op.actor : { type: 'user', user: op.user };
  if (actor.type === 'key') return { bearer: world.orgs[op.org]!.keys[actor.key] };
  return { cookie: world.users[actor.user]!.token };
}

async function send(world: World, op: ResolvedOp): Promise<Outcome> {
  const organizationId = world.orgs[op.org]!.id;
  const who = credentials(world, op);
  let answer: Awaited<ReturnType<typeof call>>;
  switch (op.kind) {
    case 'leave':
      answer = await call('members.leave', { organizationId }, who);
      break;
    case 'remove':
      answer = await call('members.remove', { organizationId, memberId: op.memberId }, who);
      break;
    case 'updateRole':
      answer = await call(
        'members.updateRole',
        { organizationId, memberId: op.memberId, role: op.role },
        who,
      );
      break;
    case 'transferOwnership':
      answer = await call('members.transferOwnership', { organizationId, memberId: op.memberId }, who);
      break;
    case 'invite':
      answer = await call(
        'invitations.create',
        { organizationId, email: world.users[op.target]!.email, role: op.role },
        who,
      );
      break;
    case 'accept':
      answer = await call('invitations.accept', { invitationId: op.invitationId }, who);
      break;
    case 'scheduleDeletion':
      answer = await call('organizations.scheduleDeletion', { organizationId }, who);
      break;
    case 'restore':
      answer = await call('organizations.restore', { organizationId }, who);
      break;
    case 'offerOwnership':
      answer = await call('members.offerOwnership', { organizationId, memberId: op.memberId }, who);
      break;
    case 'acceptOwnership':
      answer = await call('members.acceptOwnership', { offerId: op.offerId }, who);
      break;
  }
  if (answer.status >= 500) {
    figures.violations++;
    throw new Error(`${op.kind} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  if (answer.status === 200) {
    const data = answer.body.result?.data ?? {};
    const newId =
      op.kind === 'invite' || op.kind === 'offerOwnership'
        ? data.id
        : op.kind === 'accept'
          ? data.memberId
          : undefined;
    return { ok: true, newId: newId as string | undefined };
  }
  return { ok: false, reason: answer.body.error?.data.reason ?? `HTTP ${answer.status}` };
}

const TRACKED_ACTIONS = [
  'member.left',
  'member.removed',
  'member.role_changed',
  'ownership.transferred',
  'invitation.created',
  'invitation.accepted',
  'organization.deletion_scheduled',
  'organization.restored',
  'ownership.offered',
];
const TRACKED_EVENTS = [
  'ownership.offered',
  'member.removed',
  'member.added',
  'member.role_changed',
  'ownership.transferred',
  'organization.deletion_scheduled',
  'organization.restored',
];

/** The invariants of issue 8, checked against the database (and over HTTP for access). */
async function checkInvariants(world: World) {
  figures.invariantChecks++;
  const orgIds = world.orgs.map((o) => o.id);
  for (let o = 0; o < ORGS; o++) {
    const model = world.model[o]!;
    const organizationId = world.orgs[o]!.id;
    const org = await db
      .selectFrom('organizations')
      .select('status')
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow();
    expect(org.status).toBe(model.status);
    const active = await db
      .selectFrom('memberships')
      .select(['id', 'user_id', 'role'])
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'active')
      .execute();
    // The database holds exactly the memberships the rules allow.
    const expected = [...model.members].map(([u, m]) => ({
      id: m.id,
      user_id: world.users[u]!.id,
      role: m.role,
    }));
    expect(sortById(active)).toEqual(sortById(expected));
    // 1. Every organization not scheduled for deletion has at least one active owner.
    if (org.status !== 'deletion_scheduled')
      expect(active.filter((m) => m.role === 'owner').length).toBeGreaterThan(0);
    // Pending invitations and key revocations as the model says.
    const pending = await db
      .selectFrom('invitations')
      .select(['id', 'email', 'role'])
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .execute();
    expect(sortById(pending)).toEqual(
      sortById(
        [...model.invitations].map(([u, i]) => ({ id: i.id, email: world.users[u]!.email, role: i.role })),
      ),
    );
    // 3. Every membership change has exactly one audit entry (and membership starts and ends one outbox event).
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', (eb) => eb.fn.countAll<number>().as('n')])
      .where('organization_id', '=', organizationId)
      .where('action', 'in', TRACKED_ACTIONS)
      .groupBy('action')
      .execute();
    expect(Object.fromEntries(audit.map((a) => [a.action, Number(a.n)]))).toEqual(model.audit);
    const events = await db
      .selectFrom('outbox_events')
      .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('organization_id', '=', organizationId)
      .where('type', 'in', TRACKED_EVENTS)
      .groupBy('type')
      .execute();
    expect(Object.fromEntries(events.map((e) => [e.type, Number(e.n)]))).toEqual(model.events);
  }
  // 2. No user has two active memberships in one organization.
  const duplicates = await db
    .selectFrom('memberships')
    .select(['organization_id', 'user_id'])
    .where('organization_id', 'in', orgIds)
    .where('status', '=', 'active')
    .groupBy(['organization_id', 'user_id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(duplicates).toEqual([]);
  // 3'. Each ended membership has exactly one end entry and one event naming it; each joined one, one entry.
  const ended = await db
    .selectFrom('memberships as m')
    .select((eb) => [
      'm.id',
      eb
        .selectFrom('audit_log as a')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('a.target_membership_id', '=', 'm.id')
        .where('a.action', 'in', ['member.left', 'member.removed'])
        .as('audit'),
      eb
        .selectFrom('outbox_events as e')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('e.organization_id', '=', 'm.organization_id')
        .where('e.type', '=', 'member.removed')
        .where(sql<boolean>`e.payload->>'membershipId' = m.id::text`)
        .as('events'),
    ])
    .where('m.organization_id', 'in', orgIds)
    .where('m.status', '=', 'removed')
    .execute();
  for (const m of ended)
    expect({ id: m.id, audit: Number(m.audit), events: Number(m.events) }).toEqual({
      id: m.id,
      audit: 1,
      events: 1,
    });
  // Sessions never point at an organization their user is no longer an active member of.
  const stalePointers = await db
    .selectFrom('sessions as s')
    .select('s.id')
    .where('s.active_organization_id', 'in', orgIds)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('memberships as m')
            .select('m.id')
            .whereRef('m.user_id', '=', 's.user_id')
            .whereRef('m.organization_id', '=', 's.active_organization_id')
            .where('m.status', '=', 'active'),
        ),
      ),
    )
    .execute();
  expect(stalePointers).toEqual([]);
  // 4. No removed member's session or key reaches the organization; members' and live keys do.
  const probes: Array<Promise<void>> = [];
  for (let o = 0; o < ORGS; o++) {
    const model = world.model[o]!;
    const organizationId = world.orgs[o]!.id;
    for (let u = 0; u < USERS; u++) {
      probes.push(
        call('members.list', { organizationId }, { cookie: world.users[u]!.token }, 'GET').then((answer) => {
          figures.accessChecks++;
          if (model.members.has(u)) expect(answer.status).toBe(200);
          else
            expect([answer.status, answer.body.error?.data.reason]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
        }),
      );
    }
    model.keys.forEach((key, k) => {
      probes.push(
        call('members.list', { organizationId }, { bearer: world.orgs[o]!.keys[k] }, 'GET').then((answer) => {
          figures.accessChecks++;
          if (!key.revoked) expect(answer.status).toBe(200);
          else expect([answer.status, answer.body.error?.data.reason]).toEqual([401, 'INVALID_API_KEY']);
        }),
      );
      // 5. A key's power follows its creator's role of now (demoted: lost; promoted again: back).
      // invitations.list needs members:write and an owner's or admin's role; it changes nothing.
      probes.push(
        call('invitations.list', { organizationId }, { bearer: world.orgs[o]!.keys[k] }, 'GET').then(
          (answer) => {
            figures.keyPowerChecks++;
            const creatorRole = model.members.get(key.creator)?.role;
            if (key.revoked)
              expect([answer.status, answer.body.error?.data.reason]).toEqual([401, 'INVALID_API_KEY']);
            else if (creatorRole === 'owner' || creatorRole === 'admin') expect(answer.status).toBe(200);
            else {
              figures.keysLimitedByDemotion++;
              expect([answer.status, answer.body.error?.data.reason]).toEqual([403, 'INSUFFICIENT_ROLE']);
            }
          },
        ),
      );
    });
  }
  await Promise.all(probes);
}

function sortById<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

// ---------------------------------------------------------------- generators

const roleArb = fc.constantFrom<Role>('owner', 'admin', 'member', 'viewer');
const userArb = fc.nat({ max: USERS - 1 });
const orgArb = fc.nat({ max: ORGS - 1 });
const actorArb: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 4, arbitrary: userArb.map((user) => ({ type: 'user' as const, user })) },
  { weight: 1, arbitrary: fc.nat({ max: 7 }).map((key) => ({ type: 'key' as const, key })) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('leave' as const), org: orgArb, user: userArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('remove' as const),
      org: orgArb,
      actor: actorArb,
      target: userArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('updateRole' as const),
      org: orgArb,
      actor: actorArb,
      target: userArb,
      role: roleArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('transferOwnership' as const),
      org: orgArb,
      user: userArb,
      target: userArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('invite' as const),
      org: orgArb,
      actor: actorArb,
      target: userArb,
      role: roleArb,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), org: orgArb, user: userArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('scheduleDeletion' as const), org: orgArb, user: userArb }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), org: orgArb, user: userArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('offerOwnership' as const),
      org: orgArb,
      user: userArb,
      target: userArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('acceptOwnership' as const), org: orgArb, user: userArb }),
  },
);
/** Initial roles: user `o` is always an owner of organization `o`; others get a random role or none. */
const worldArb = fc
  .array(fc.array(fc.option(roleArb, { nil: null, freq: 3 }), { minLength: USERS, maxLength: USERS }), {
    minLength: ORGS,
    maxLength: ORGS,
  })
  .map((orgs) => orgs.map((roles, o) => roles.map((r, u) => (u === o ? 'owner' : r))));
const batchesArb = fc.array(
  fc.array(
    fc.tuple(
      opArb,
      fc.nat({ max: 3 }).map((n) => n > 0),
    ),
    { minLength: 1, maxLength: 5 },
  ),
  { minLength: 2, maxLength: 7 },
);

/**
 * Most operations are aimed (random numbers mapped onto who can matter right now: active members as
 * actors and targets, non-members as invitees, invitees as acceptors); the rest stay random, to hit
 * non-members, stale ids and missing invitations too.
 */
function aim(world: World, op: Op, aimed: boolean): Op {
  if (!aimed) return op;
  const org = world.model[op.org]!;
  const members = [...org.members.keys()].sort();
  const outsiders = [...Array(USERS).keys()].filter((u) => !org.members.has(u));
  const invitees = [...org.invitations.keys()].sort();
  const member = (n: number) => (members.length ? members[n % members.length]! : n);
  const next = { ...op } as Op & { user?: number; target?: number; actor?: Actor };
  if (op.kind === 'accept') {
    if (invitees.length) next.user = invitees[op.user % invitees.length]!;
    return next;
  }
  if (op.kind === 'acceptOwnership') {
    if (org.offer) next.user = org.offer.target;
    return next;
  }
  if ('user' in op) next.user = member(op.user);
  if ('actor' in op && op.actor.type === 'user') next.actor = { type: 'user', user: member(op.actor.user) };
  if (op.kind === 'invite') {
    if (outsiders.length) next.target = outsiders[op.target % outsiders.length]!;
  } else if ('target' in op) next.target = member(op.target);
  return next;
}

/** Key numbers in ops point at whatever keys the organization has; without keys the op acts as a user. */
function fitKeys(world: World, op: Op): Op {
  if (!('actor' in op) || op.actor.type !== 'key') return op;
  const keys = world.model[op.org]!.keys.length;
  if (keys === 0) return { ...op, actor: { type: 'user', user: op.actor.key % USERS } } as Op;
  return { ...op, actor: { type: 'key', key: op.actor.key % keys } } as Op;
}

async function runScenario(initialRoles: Array<Array<Role | null>>, batches: Array<Array<[Op, boolean]>>) {
  figures.runs++;
  const world = await createWorld(initialRoles);
  await checkInvariants(world);
  for (const rawBatch of batches) {
    figures.batches++;
    const ops = rawBatch.map(([op, aimed]) => resolve(world, fitKeys(world, aim(world, op, aimed))));
    const observed = await Promise.all(ops.map((op) => send(world, op)));
    figures.operations += ops.length;
    for (const o of observed) {
      if (o.ok) figures.accepted++;
      else if (RETRYABLE.has(o.reason ?? '')) figures.retryable++;
      else figures.refused++;
      if (!o.ok) reasons.set(o.reason!, (reasons.get(o.reason!) ?? 0) + 1);
    }
    // The first serial order that explains the answers and whose state the database holds.
    let explanations = 0;
    let mismatch: unknown;
    for (const explained of explainBatch(world.model, ops, observed)) {
      explanations++;
      try {
        await checkInvariants({ ...world, model: explained.orgs });
      } catch (error) {
        mismatch ??= error;
        continue;
      }
      if (explained.order.some((v, i) => v !== i)) figures.reordered++;
      world.model = explained.orgs;
      mismatch = undefined;
      break;
    }
    if (explanations === 0) {
      figures.violations++;
      throw new Error(
        `no serial order of this batch gives the observed answers:\n${ops
          .map((op, i) => `  ${JSON.stringify(op)} -> ${JSON.stringify(observed[i])}`)
          .join('\n')}`,
      );
    }
    if (mismatch !== undefined) {
      figures.violations++;
      throw mismatch;
    }
  }
}

describe(`invariants under random load (${process.env.DATABASE_URL ? 'postgres, concurrent batches' : 'pglite, serialized'})`, () => {
  it('keeps every invariant and answers as the rules say, for random operations by random callers', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, batchesArb, async (initialRoles, batches) => {
        await runScenario(initialRoles, batches);
      }),
      { numRuns: Number(process.env.INVARIANT_RUNS ?? 20), endOnFailure: true },
    );
  }, 1_200_000); // a deadline for a hung run on a busy machine, not a measure
});

/**
 * Shrunk from the property above (seed 490240243): an API key whose creator leaves while one of its
 * requests is in flight. The request authenticated before the leave committed, then ran after it.
 */
if (!process.env.DATABASE_URL) {
  console.log(
    '[reliability] shrunk race cases: skipped on PGlite (they need a second connection to hold a lock); run with DATABASE_URL',
  );
}

describe.skipIf(!process.env.DATABASE_URL)('shrunk cases (postgres)', () => {
  type Queued = (w: { orgId: string; yMemberId: string }, who: Credentials) => ReturnType<typeof call>;
  const removeY: Queued = ({ orgId, yMemberId }, who) =>
    call('members.remove', { organizationId: orgId, memberId: yMemberId }, who);

  async function race(
    actorCredentials: (w: { keyOfX: string; tokenOfX: string }) => Credentials,
    queued: Queued = removeY,
  ) {
    const world = await createWorld([
      ['owner', 'admin', 'member', null, null],
      ['owner', null, null, null, null],
    ]);
    const org = world.orgs[0]!;
    const x = 1;
    const y = world.model[0]!.members.get(2)!;
    const lock = await holdOrganizationLock(t.url!, org.id);
    try {
      const leave = call('members.leave', { organizationId: org.id }, { cookie: world.users[x]!.token });
      await waitForLockWaiters(lock.client, 1);
      const remove = queued(
        { orgId: org.id, yMemberId: y.id },
        actorCredentials({ keyOfX: org.keys[1]!, tokenOfX: world.users[x]!.token }),
      );
      await waitForLockWaiters(lock.client, 2);
      await lock.release();
      const [left, removed] = await Promise.all([leave, remove]);
      expect(left.status).toBe(200);
      const target = await db
        .selectFrom('memberships')
        .select('status')
        .where('id', '=', y.id)
        .executeTakeFirstOrThrow();
      return { removed, targetStatus: target.status, orgId: org.id, leaverId: world.users[x]!.id };
    } finally {
      await lock.release();
    }
  }

  it("a person's request queued behind their own leave is refused: access ends with the commit", async () => {
    const { removed, targetStatus } = await race(({ tokenOfX }) => ({ cookie: tokenOfX }));
    expect([removed.status, removed.body.error?.data.reason]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    expect(targetStatus).toBe('active');
  });

  // Under the organization lock the actor is re-read for API keys too (`api_keys.revoked_at is null`, in
  // the statement that re-reads the memberships), so a key revoked by its creator's leave no longer acts.
  it("an API key's request queued behind its creator's leave is refused: access ends with the commit", async () => {
    const { removed, targetStatus } = await race(({ keyOfX }) => ({ bearer: keyOfX }));
    expect([removed.status, removed.body.error?.data.reason]).toEqual([401, 'INVALID_API_KEY']);
    expect(targetStatus).toBe('active');
  });

  it("an API key's invitation queued behind its creator's leave is refused, nothing is written", async () => {
    const { removed, orgId } = await race(
      ({ keyOfX }) => ({ bearer: keyOfX }),
      ({ orgId }, who) =>
        call(
          'invitations.create',
          { organizationId: orgId, email: 'queued@example.test', role: 'member' },
          who,
        ),
    );
    expect([removed.status, removed.body.error?.data.reason]).toEqual([401, 'INVALID_API_KEY']);
    const invitations = await db
      .selectFrom('invitations')
      .select('id')
      .where('organization_id', '=', orgId)
      .execute();
    expect(invitations).toEqual([]);
  });

  it("a person's API key creation queued behind their own leave is refused: no key outlives the leave", async () => {
    const { removed, orgId, leaverId } = await race(
      ({ tokenOfX }) => ({ cookie: tokenOfX }),
      ({ orgId }, who) =>
        call('apiKeys.create', { organizationId: orgId, name: 'late', scopes: ['members:read'] }, who),
    );
    expect([removed.status, removed.body.error?.data.reason]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const live = await db
      .selectFrom('api_keys')
      .select('id')
      .where('organization_id', '=', orgId)
      .where('created_by', '=', leaverId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
  });
});

describe('membership changes and the outbox', () => {
  // Issue 8: every membership change has exactly one audit entry and one outbox event, written in one
  // statement: a role change `member.role_changed`, an ownership transfer `ownership.transferred`.
  it('a role change and an ownership transfer each write one outbox event, naming the membership', async () => {
    const world = await createWorld([
      ['owner', 'admin', 'member', null, null],
      ['owner', null, null, null, null],
    ]);
    const org = world.orgs[0]!;
    const owner = { cookie: world.users[0]!.token };
    const member = world.model[0]!.members.get(2)!;
    const admin = world.model[0]!.members.get(1)!;
    expect(
      (
        await call(
          'members.updateRole',
          { organizationId: org.id, memberId: member.id, role: 'viewer' },
          owner,
        )
      ).status,
    ).toBe(200);
    expect(
      (await call('members.transferOwnership', { organizationId: org.id, memberId: admin.id }, owner)).status,
    ).toBe(200);
    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['member.role_changed', 'ownership.transferred'])
      .execute();
    expect(audit).toHaveLength(2);
    const events = await db
      .selectFrom('outbox_events')
      .select(['type', 'payload'])
      .where('organization_id', '=', org.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(events).toHaveLength(2);
    expect(events.map((e) => [e.type, (e.payload as { membershipId: string }).membershipId]).sort()).toEqual(
      [
        ['member.role_changed', member.id],
        ['ownership.transferred', admin.id],
      ].sort(),
    );
    expect(events.find((e) => e.type === 'member.role_changed')!.payload).toMatchObject({
      role: 'viewer',
      previousRole: 'member',
      actor: { userId: world.users[0]!.id, apiKeyId: null },
    });
    expect(events.find((e) => e.type === 'ownership.transferred')!.payload).toMatchObject({
      role: 'owner',
      previousOwner: { membershipId: world.model[0]!.members.get(0)!.id, role: 'admin' },
    });
    // Setting the role a member already has is no change: no audit entry, no event.
    expect(
      (
        await call(
          'members.updateRole',
          { organizationId: org.id, memberId: member.id, role: 'viewer' },
          {
            cookie: world.users[1]!.token,
          },
        )
      ).status,
    ).toBe(200);
    const after = await db
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(2);
    const auditAfter = await db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['member.role_changed', 'ownership.transferred'])
      .execute();
    expect(auditAfter).toHaveLength(2);
  });

  it('creating an organization writes one audit entry and one member.added event for its owner', async () => {
    const world = await createWorld([
      [null, null, null, null, null],
      [null, null, null, null, null],
    ]);
    const tag = randomUUID().slice(0, 8);
    const created = await call(
      'organizations.create',
      { name: `Outbox ${tag}`, slug: `outbox-${tag}` },
      {
        cookie: world.users[0]!.token,
      },
    );
    expect(created.status).toBe(200);
    const orgId = created.body.result!.data.id as string;
    const membership = await db
      .selectFrom('memberships')
      .select(['id', 'role'])
      .where('organization_id', '=', orgId)
      .executeTakeFirstOrThrow();
    expect(membership.role).toBe('owner');
    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', orgId)
      .execute();
    expect(audit).toEqual([{ action: 'organization.created' }]);
    const events = await db
      .selectFrom('outbox_events')
      .select(['type', 'payload'])
      .where('organization_id', '=', orgId)
      .execute();
    expect(events).toEqual([
      {
        type: 'member.added',
        payload: {
          organizationId: orgId,
          membershipId: membership.id,
          userId: world.users[0]!.id,
          role: 'owner',
          invitationId: null,
        },
      },
    ]);
  });
});
