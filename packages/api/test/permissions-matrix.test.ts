import type { Role } from '@roster/db';
import { ROLES } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyScope } from '../src/context';
import type { Permission, Permissions } from '../src/rules';
import {
  addMember,
  callerFor,
  createApiKeyRow,
  createOrganization,
  type TestMember,
  type TestOrganization,
} from './factories';
import { organizationState, outcome } from './state';

/**
 * The permissions answer against the procedures: for every kind of caller x organization state x action,
 * `organizations.permissions` says allowed exactly when the procedure succeeds, and otherwise names the
 * reason the procedure refuses with (and a refused call changes nothing). Each case gets a fresh
 * organization, asks first, then acts.
 */

const ACTORS = [
  'sole owner',
  'owner',
  'admin',
  'member',
  'viewer',
  'key members:read',
  'key members:write',
  'key audit:read',
] as const;
type ActorKind = (typeof ACTORS)[number];
/** `grace_over`: scheduled, the grace period is over, the purge has not run yet. */
const STATES = ['active', 'deletion_scheduled', 'grace_over'] as const;
type State = (typeof STATES)[number];

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

interface Fixture {
  organization: TestOrganization;
  actorMember: TestMember | null;
  target: TestMember | null;
  api: ReturnType<typeof callerFor>;
}

/** Puts the organization into `state` the way its procedure would leave it. */
async function setState(organizationId: string, state: State) {
  if (state === 'active') return;
  const due = state === 'grace_over' ? sql`now() - interval '1 minute'` : sql`now() + interval '30 days'`;
  await sql`update organizations set status = 'deletion_scheduled', deletion_scheduled_at = now() - interval '30 days',
            deletion_due_at = ${due} where id = ${organizationId}`.execute(t.db);
}

async function buildFixture(kind: ActorKind, state: State, targetRole: Role | null): Promise<Fixture> {
  const db = t.db;
  const organization = await createOrganization(db);
  const target = targetRole ? await addMember(db, organization.id, targetRole) : null;
  let actorMember: TestMember | null = null;
  let api: ReturnType<typeof callerFor>;
  if (kind === 'sole owner') {
    actorMember = organization.owner;
    api = callerFor(db, actorMember.user);
  } else if (kind.startsWith('key ')) {
    const key = await createApiKeyRow(db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: [kind.slice('key '.length) as ApiKeyScope],
    });
    api = callerFor(db, key);
  } else {
    actorMember = await addMember(db, organization.id, kind as Role);
    api = callerFor(db, actorMember.user);
  }
  await setState(organization.id, state);
  return { organization, actorMember, target, api };
}

interface Action {
  name: string;
  targetRole: Role | null;
  permission(p: Permissions): Permission;
  call(f: Fixture): Promise<unknown>;
}

function actions(): Action[] {
  const out: Action[] = [
    {
      name: 'leave',
      targetRole: null,
      permission: (p) => p.leave,
      call: (f) => f.api.members.leave({ organizationId: f.organization.id }),
    },
    {
      name: 'transferOwnership',
      targetRole: 'admin',
      permission: (p) => p.transferOwnership,
      call: (f) =>
        f.api.members.transferOwnership({
          organizationId: f.organization.id,
          memberId: f.target!.membership.id,
        }),
    },
    {
      name: 'scheduleDeletion',
      targetRole: null,
      permission: (p) => p.scheduleDeletion,
      call: (f) => f.api.organizations.scheduleDeletion({ organizationId: f.organization.id }),
    },
    {
      name: 'updateOrganization',
      targetRole: null,
      permission: (p) => p.updateOrganization,
      call: (f) => f.api.organizations.update({ organizationId: f.organization.id, name: 'Matrix renamed' }),
    },
    {
      name: 'offerOwnership',
      targetRole: 'admin',
      permission: (p) => p.offerOwnership,
      call: (f) =>
        f.api.members.offerOwnership({
          organizationId: f.organization.id,
          memberId: f.target!.membership.id,
        }),
    },
    {
      name: 'restore',
      targetRole: null,
      permission: (p) => p.restore,
      call: (f) => f.api.organizations.restore({ organizationId: f.organization.id }),
    },
    {
      name: 'export',
      targetRole: null,
      permission: (p) => p.export,
      call: (f) => f.api.organizations.export({ organizationId: f.organization.id }),
    },
    {
      name: 'manageApiKeys',
      targetRole: null,
      permission: (p) => p.manageApiKeys,
      call: (f) =>
        f.api.apiKeys.create({ organizationId: f.organization.id, name: 'matrix', scopes: ['members:read'] }),
    },
    {
      name: 'manageWebhooks',
      targetRole: null,
      permission: (p) => p.manageWebhooks,
      call: (f) =>
        f.api.webhooks.create({ organizationId: f.organization.id, url: 'https://hooks.example.com/roster' }),
    },
    {
      name: 'readAuditLog',
      targetRole: null,
      permission: (p) => p.readAuditLog,
      call: (f) => f.api.auditLog.list({ organizationId: f.organization.id }),
    },
  ];
  for (const role of ROLES) {
    out.push({
      name: `remove ${role}`,
      targetRole: role,
      permission: (p) => p.remove[role],
      call: (f) =>
        f.api.members.remove({ organizationId: f.organization.id, memberId: f.target!.membership.id }),
    });
    out.push({
      name: `invite ${role}`,
      targetRole: null,
      permission: (p) => p.invite[role],
      call: (f) =>
        f.api.invitations.create({
          organizationId: f.organization.id,
          email: `invited-${crypto.randomUUID().slice(0, 8)}@example.test`,
          role,
        }),
    });
    for (const next of ROLES) {
      out.push({
        name: `changeRole ${role} -> ${next}`,
        targetRole: role,
        permission: (p) => p.changeRole[role][next],
        call: (f) =>
          f.api.members.updateRole({
            organizationId: f.organization.id,
            memberId: f.target!.membership.id,
            role: next,
          }),
      });
    }
  }
  return out;
}

const cases = ACTORS.flatMap((actor) =>
  STATES.flatMap((state) =>
    actions().map((action) => [`${action.name} by ${actor} (${state})`, actor, state, action] as const),
  ),
);

describe('organizations.permissions agrees with the procedures', () => {
  it('covers every caller x state x action', () => {
    expect(cases.length).toBe(ACTORS.length * STATES.length * (10 + ROLES.length * (2 + ROLES.length)));
  });

  it.each(cases)('%s', async (_name, actor, state, action) => {
    const f = await buildFixture(actor, state, action.targetRole);
    const answer = await f.api.organizations.permissions({ organizationId: f.organization.id });
    const said = action.permission(answer);
    const before = await organizationState(t.db, f.organization.id);
    const result = await outcome(action.call(f));
    expect(result).toBe(said.allowed ? 'ok' : said.reason);
    if (result !== 'ok') expect(await organizationState(t.db, f.organization.id)).toEqual(before);
  });

  it('answers ORGANIZATION_NOT_FOUND to outsiders', async () => {
    const f = await buildFixture('member', 'active', null);
    const other = await createOrganization(t.db);
    expect(
      await outcome(
        callerFor(t.db, other.owner.user).organizations.permissions({ organizationId: f.organization.id }),
      ),
    ).toBe('ORGANIZATION_NOT_FOUND');
  });
});
