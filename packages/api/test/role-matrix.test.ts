import type { Role } from '@roster/db';
import { ROLES } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyScope } from '../src/context';
import type { ErrorReason } from '../src/errors';
import { insertAuditEntry } from '../src/queries/audit';
import { appRouter } from '../src/router';
import { ACCESS_RULES, UNSCOPED_PROCEDURES } from '../src/rules';
import {
  addMember,
  callerFor,
  createApiKeyRow,
  createInvitationRow,
  createOrganization,
  createSessionRow,
  createUser,
  type TestApiKey,
  type TestMember,
  type TestUser,
} from './factories';
import { type OrganizationState, organizationState, outcome } from './state';

/**
 * The role matrix: every procedure x every kind of caller x every target role, generated from the
 * expectation tables below (written out independently of src/rules.ts, so a wrong rule fails here).
 * Each case builds a fresh organization — a primary owner, the acting member, the target member, each
 * holding an API key, a session pointing at the organization and a pending invitation they sent —
 * calls the procedure, and compares the whole organization state before and after: on refusal it must
 * be unchanged; on success it must be exactly the expected change (membership, audit row, outbox event,
 * revoked keys, invitations and session pointers).
 */

const ACTORS = [
  'owner',
  'admin',
  'member',
  'viewer',
  'non-member',
  'member of another org',
  'key members:read',
  'key members:write',
  'key audit:read',
  'key of another org',
] as const;
type ActorKind = (typeof ACTORS)[number];
type Expected = 'ok' | ErrorReason;

const ALL_ROLES: readonly Role[] = ROLES;
const DELEGABLE: readonly Role[] = ['member', 'viewer'];

/** Outsiders never learn the organization exists; keys act with their scope or are refused. */
function outsider(actor: ActorKind, notFound: ErrorReason = 'ORGANIZATION_NOT_FOUND'): Expected | null {
  if (actor === 'non-member' || actor === 'member of another org' || actor === 'key of another org')
    return notFound;
  return null;
}
function keyWithScope(
  actor: ActorKind,
  scope: ApiKeyScope | null,
  allowed: Expected = 'ok',
): Expected | null {
  if (!actor.startsWith('key ')) return null;
  if (scope === null) return 'SESSION_REQUIRED';
  return actor === `key ${scope}` ? allowed : 'INSUFFICIENT_SCOPE';
}
function byRoles(actor: ActorKind, roles: readonly Role[]): Expected {
  return roles.includes(actor as Role) ? 'ok' : 'INSUFFICIENT_ROLE';
}

const expectations = {
  'members.list': (a: ActorKind) => outsider(a) ?? keyWithScope(a, 'members:read') ?? byRoles(a, ALL_ROLES),
  'organizations.bySlug': (a: ActorKind) =>
    outsider(a) ?? keyWithScope(a, 'members:read') ?? byRoles(a, ALL_ROLES),
  'auditLog.list': (a: ActorKind) =>
    outsider(a) ?? keyWithScope(a, 'audit:read') ?? byRoles(a, ['owner', 'admin', 'viewer']),
  'members.leave': (a: ActorKind) => outsider(a) ?? keyWithScope(a, null) ?? 'ok',
  'organizations.scheduleDeletion': (a: ActorKind) =>
    outsider(a) ?? keyWithScope(a, null) ?? byRoles(a, ['owner']),
  'invitations.list': (a: ActorKind) =>
    outsider(a) ?? keyWithScope(a, 'members:write') ?? byRoles(a, ['owner', 'admin']),
  'invitations.create': (a: ActorKind, role: Role) =>
    outsider(a) ??
    keyWithScope(a, 'members:write', DELEGABLE.includes(role) ? 'ok' : 'INSUFFICIENT_ROLE') ??
    (a === 'owner' ? 'ok' : a === 'admin' && DELEGABLE.includes(role) ? 'ok' : 'INSUFFICIENT_ROLE'),
  'invitations.revoke': (a: ActorKind, role: Role) =>
    outsider(a, 'INVITATION_NOT_FOUND') ??
    keyWithScope(a, 'members:write', DELEGABLE.includes(role) ? 'ok' : 'INSUFFICIENT_ROLE') ??
    (a === 'owner' ? 'ok' : a === 'admin' && DELEGABLE.includes(role) ? 'ok' : 'INSUFFICIENT_ROLE'),
  'members.remove': (a: ActorKind, target: Role) =>
    outsider(a) ??
    keyWithScope(a, 'members:write', DELEGABLE.includes(target) ? 'ok' : 'INSUFFICIENT_ROLE') ??
    (a === 'owner' ? 'ok' : a === 'admin' && DELEGABLE.includes(target) ? 'ok' : 'INSUFFICIENT_ROLE'),
  'members.updateRole': (a: ActorKind, target: Role, next: Role) => {
    const delegable = DELEGABLE.includes(target) && DELEGABLE.includes(next);
    return (
      outsider(a) ??
      keyWithScope(a, 'members:write', delegable ? 'ok' : 'INSUFFICIENT_ROLE') ??
      (a === 'owner' ? 'ok' : a === 'admin' && delegable ? 'ok' : 'INSUFFICIENT_ROLE')
    );
  },
  'members.transferOwnership': (a: ActorKind) =>
    outsider(a) ?? keyWithScope(a, null) ?? byRoles(a, ['owner']),
};

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

interface Fixture {
  organization: { id: string; slug: string };
  primaryOwner: TestMember;
  actor: { kind: ActorKind; user: TestUser | null; member: TestMember | null; key: TestApiKey | null };
  target: TestMember | null;
  /** An invitation to revoke, for the target role, sent by the primary owner. */
  invitationForTarget: { id: string } | null;
  /** What each member holds in the organization: keyed by membership id. */
  holdings: Record<string, { apiKeyId: string; sessionId: string; invitationId: string }>;
  userIds: string[];
}

async function buildFixture(kind: ActorKind, targetRole: Role | null): Promise<Fixture> {
  const db = t.db;
  const organization = await createOrganization(db);
  const primaryOwner = organization.owner;
  const target = targetRole ? await addMember(db, organization.id, targetRole) : null;
  let user: TestUser | null = null;
  let member: TestMember | null = null;
  let key: TestApiKey | null = null;
  if ((ROLES as readonly string[]).includes(kind)) {
    member = await addMember(db, organization.id, kind as Role);
    user = member.user;
  } else if (kind === 'non-member') {
    user = await createUser(db);
  } else if (kind === 'member of another org') {
    user = (await createOrganization(db)).owner.user;
  } else if (kind === 'key of another org') {
    const other = await createOrganization(db);
    key = await createApiKeyRow(db, { organizationId: other.id, createdBy: other.owner.user.id });
  } else {
    const scope = kind.slice('key '.length) as ApiKeyScope;
    key = await createApiKeyRow(db, {
      organizationId: organization.id,
      createdBy: primaryOwner.user.id,
      scopes: [scope],
    });
  }
  const holdings: Fixture['holdings'] = {};
  for (const m of [primaryOwner, member, target]) {
    if (!m) continue;
    const apiKey = await createApiKeyRow(db, { organizationId: organization.id, createdBy: m.user.id });
    const session = await createSessionRow(db, m.user.id, { activeOrganizationId: organization.id });
    const invitation = await createInvitationRow(db, {
      organizationId: organization.id,
      invitedBy: m.user.id,
    });
    holdings[m.membership.id] = { apiKeyId: apiKey.id, sessionId: session.id, invitationId: invitation.id };
  }
  const invitationForTarget = targetRole
    ? await createInvitationRow(db, {
        organizationId: organization.id,
        invitedBy: primaryOwner.user.id,
        role: targetRole,
      })
    : null;
  // One audit entry already, so that auditLog.list has something to show (an empty list would prove nothing).
  await insertAuditEntry(db, {
    organizationId: organization.id,
    action: 'organization.created',
    actorUserId: primaryOwner.user.id,
    actorApiKeyId: null,
    targetMembershipId: primaryOwner.membership.id,
  });
  const userIds = [primaryOwner.user.id, user?.id, target?.user.id].filter((x): x is string => Boolean(x));
  return {
    organization,
    primaryOwner,
    actor: { kind, user, member, key },
    target,
    invitationForTarget,
    holdings,
    userIds,
  };
}

function callerOf(f: Fixture) {
  if (f.actor.key) return callerFor(t.db, f.actor.key);
  if (f.actor.user) return callerFor(t.db, f.actor.user);
  throw new Error('fixture without a caller');
}

function actorIds(f: Fixture) {
  return {
    actorUserId: f.actor.key ? null : (f.actor.user?.id ?? null),
    actorApiKeyId: f.actor.key?.id ?? null,
  };
}

/** The expected state after a membership ended (leave or removal) with everything it held. */
function endedMembership(
  before: OrganizationState,
  f: Fixture,
  ended: TestMember,
  reason: 'left' | 'removed',
  keepApiKeys = false,
): OrganizationState {
  const after = structuredClone(before);
  const { actorUserId, actorApiKeyId } = actorIds(f);
  after.memberships[ended.membership.id] = {
    ...before.memberships[ended.membership.id]!,
    status: 'removed',
    removalReason: reason,
    removedBy: actorUserId,
  };
  const held = f.holdings[ended.membership.id]!;
  if (!keepApiKeys) {
    after.apiKeys[held.apiKeyId] = { revokedReason: reason === 'left' ? 'member_left' : 'member_removed' };
  }
  after.sessions[held.sessionId] = { activeOrganizationId: null };
  after.invitations[held.invitationId] = {
    ...before.invitations[held.invitationId]!,
    status: 'revoked',
    revokedBy: actorUserId,
  };
  after.audit.push({
    action: reason === 'left' ? 'member.left' : 'member.removed',
    actorUserId,
    actorApiKeyId,
    targetMembershipId: ended.membership.id,
  });
  after.outbox.push({ type: 'member.removed', membershipId: ended.membership.id });
  return after;
}

interface Case {
  procedure: keyof typeof expectations;
  actor: ActorKind;
  targetRole: Role | null;
  nextRole?: Role;
  expected: Expected;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const actor of ACTORS) {
    for (const procedure of [
      'members.list',
      'organizations.bySlug',
      'auditLog.list',
      'members.leave',
      'organizations.scheduleDeletion',
      'invitations.list',
    ] as const) {
      out.push({ procedure, actor, targetRole: null, expected: expectations[procedure](actor) });
    }
    for (const targetRole of ALL_ROLES) {
      for (const procedure of [
        'invitations.create',
        'invitations.revoke',
        'members.remove',
        'members.transferOwnership',
      ] as const) {
        out.push({ procedure, actor, targetRole, expected: expectations[procedure](actor, targetRole) });
      }
      for (const nextRole of ALL_ROLES) {
        out.push({
          procedure: 'members.updateRole',
          actor,
          targetRole,
          nextRole,
          expected: expectations['members.updateRole'](actor, targetRole, nextRole),
        });
      }
    }
  }
  return out;
}

/** Runs the case's call; on success returns the state the organization must now be in. */
async function run(c: Case, f: Fixture, before: OrganizationState) {
  const api = callerOf(f);
  const organizationId = f.organization.id;
  const { actorUserId, actorApiKeyId } = actorIds(f);
  const audit = (action: string, targetMembershipId: string | null = null) => ({
    action,
    actorUserId,
    actorApiKeyId,
    targetMembershipId,
  });
  switch (c.procedure) {
    case 'members.list':
      return {
        call: api.members.list({ organizationId }),
        check: (result: Awaited<ReturnType<typeof api.members.list>>) => {
          expect(result.items.map((i) => i.id).sort()).toEqual(Object.keys(before.memberships).sort());
          return before;
        },
      };
    case 'organizations.bySlug':
      return {
        call: api.organizations.bySlug({ slug: f.organization.slug }),
        check: (result: Awaited<ReturnType<typeof api.organizations.bySlug>>) => {
          expect(result).toMatchObject({ id: organizationId, role: f.actor.member?.membership.role ?? null });
          return before;
        },
      };
    case 'auditLog.list':
      return {
        call: api.auditLog.list({ organizationId }),
        check: (result: Awaited<ReturnType<typeof api.auditLog.list>>) => {
          expect(before.audit).toHaveLength(1);
          expect(result.items).toHaveLength(before.audit.length);
          return before;
        },
      };
    case 'invitations.list':
      return {
        call: api.invitations.list({ organizationId }),
        check: (result: Awaited<ReturnType<typeof api.invitations.list>>) => {
          expect(result.map((i) => i.id).sort()).toEqual(Object.keys(before.invitations).sort());
          return before;
        },
      };
    case 'members.leave':
      return {
        call: api.members.leave({ organizationId }),
        check: (result: Awaited<ReturnType<typeof api.members.leave>>) => {
          expect(result.organizationId).toBe(organizationId);
          return endedMembership(before, f, f.actor.member!, 'left');
        },
      };
    case 'organizations.scheduleDeletion':
      return {
        call: api.organizations.scheduleDeletion({ organizationId }),
        check: () => {
          const after = structuredClone(before);
          after.organization.status = 'deletion_scheduled';
          after.audit.push(audit('organization.deletion_scheduled'));
          after.outbox.push({ type: 'organization.deletion_scheduled', membershipId: undefined });
          return after;
        },
      };
    case 'invitations.create': {
      const email = `invited-${crypto.randomUUID().slice(0, 8)}@example.test`;
      return {
        call: api.invitations.create({ organizationId, email, role: c.targetRole! }),
        check: (result: Awaited<ReturnType<typeof api.invitations.create>>) => {
          const after = structuredClone(before);
          after.invitations[result.id] = {
            status: 'pending',
            role: c.targetRole!,
            email,
            revokedBy: null,
            acceptedBy: null,
          };
          after.audit.push(audit('invitation.created'));
          return after;
        },
      };
    }
    case 'invitations.revoke':
      return {
        call: api.invitations.revoke({ invitationId: f.invitationForTarget!.id }),
        check: () => {
          const after = structuredClone(before);
          const id = f.invitationForTarget!.id;
          after.invitations[id] = { ...before.invitations[id]!, status: 'revoked', revokedBy: actorUserId };
          after.audit.push(audit('invitation.revoked'));
          return after;
        },
      };
    case 'members.remove':
      return {
        call: api.members.remove({ organizationId, memberId: f.target!.membership.id }),
        check: (result: Awaited<ReturnType<typeof api.members.remove>>) => {
          expect(result).toEqual({
            memberId: f.target!.membership.id,
            revoked: { apiKeys: 1, invitations: 1 },
          });
          return endedMembership(before, f, f.target!, 'removed');
        },
      };
    case 'members.updateRole':
      return {
        call: api.members.updateRole({
          organizationId,
          memberId: f.target!.membership.id,
          role: c.nextRole!,
        }),
        check: () => {
          const after = structuredClone(before);
          const id = f.target!.membership.id;
          if (c.nextRole !== c.targetRole) {
            after.memberships[id] = { ...before.memberships[id]!, role: c.nextRole! };
            after.audit.push(audit('member.role_changed', id));
            after.outbox.push({ type: 'member.role_changed', membershipId: id });
          }
          return after;
        },
      };
    case 'members.transferOwnership':
      return {
        call: api.members.transferOwnership({ organizationId, memberId: f.target!.membership.id }),
        check: () => {
          const after = structuredClone(before);
          const targetId = f.target!.membership.id;
          const actorId = f.actor.member!.membership.id;
          after.memberships[targetId] = { ...before.memberships[targetId]!, role: 'owner' };
          after.memberships[actorId] = { ...before.memberships[actorId]!, role: 'admin' };
          after.audit.push(audit('ownership.transferred', targetId));
          after.outbox.push({ type: 'ownership.transferred', membershipId: targetId });
          return after;
        },
      };
  }
}

describe('role matrix', () => {
  const all = cases();
  it('ACCESS_RULES (organization-scoped) and UNSCOPED_PROCEDURES name every procedure of the router, once', () => {
    const named = [...Object.keys(ACCESS_RULES), ...Object.keys(UNSCOPED_PROCEDURES)];
    expect(new Set(named).size).toBe(named.length);
    expect(named.sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  it('the matrix below covers the rows of ACCESS_RULES it names', () => {
    for (const procedure of Object.keys(expectations)) expect(ACCESS_RULES).toHaveProperty([procedure]);
  });

  it('covers every procedure x caller x target role', () => {
    expect(all.length).toBe(ACTORS.length * (6 + ALL_ROLES.length * (4 + ALL_ROLES.length)));
  });

  it.each(
    all.map(
      (c) =>
        [
          `${c.procedure} by ${c.actor}${c.targetRole ? ` on ${c.targetRole}` : ''}${c.nextRole ? ` -> ${c.nextRole}` : ''}: ${c.expected}`,
          c,
        ] as const,
    ),
  )('%s', async (_name, c) => {
    const f = await buildFixture(c.actor, c.targetRole);
    const before = await organizationState(t.db, f.organization.id, f.userIds);
    const { call, check } = await run(c, f, before);
    const result = await outcome(call);
    expect(result).toBe(c.expected);
    const after = await organizationState(t.db, f.organization.id, f.userIds);
    if (result === 'ok') {
      // biome-ignore lint/suspicious/noExplicitAny: each case's check takes its own procedure's result
      expect(after).toEqual((check as (r: any) => OrganizationState)(await call));
    } else {
      expect(after).toEqual(before);
    }
  });
});
