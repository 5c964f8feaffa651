import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorReason } from '../src/errors';
import {
  addMember,
  callerFor,
  createInvitationRow,
  createOrganization,
  type TestOrganization,
} from './factories';
import { type OrganizationState, organizationState, reasonOfRefusal } from './state';

/**
 * Bad input gets a typed error and writes nothing: wrong types, empty and oversized strings, malformed
 * and unknown ids, unknown keys, and ids that belong to another organization.
 */

let t: TestDatabase;
let home: TestOrganization;
let other: TestOrganization;
let homeMember: { id: string };
let otherMember: { id: string };
let otherInvitation: { id: string };
let before: { home: OrganizationState; other: OrganizationState; organizations: number };

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const long = (n: number) => 'a'.repeat(n);

async function organizationCount() {
  const row = await t.db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => {
  t = await createTestDatabase();
  home = await createOrganization(t.db);
  other = await createOrganization(t.db);
  homeMember = (await addMember(t.db, home.id, 'member')).membership;
  otherMember = (await addMember(t.db, other.id, 'member')).membership;
  otherInvitation = await createInvitationRow(t.db, {
    organizationId: other.id,
    invitedBy: other.owner.user.id,
  });
  await createInvitationRow(t.db, { organizationId: home.id, invitedBy: home.owner.user.id });
  before = {
    home: await organizationState(t.db, home.id),
    other: await organizationState(t.db, other.id),
    organizations: await organizationCount(),
  };
});
afterAll(async () => {
  await t?.destroy();
});

type Api = ReturnType<typeof callerFor>;
type Case = [name: string, call: (api: Api) => Promise<unknown>, reason: ErrorReason];

// biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed input
const bad = (value: unknown) => value as any;

function cases(): Case[] {
  const V: ErrorReason = 'VALIDATION_FAILED';
  return [
    [
      'organizations.create: name of wrong type',
      (api) => api.organizations.create(bad({ name: 1, slug: 'ok-slug' })),
      V,
    ],
    [
      'organizations.create: empty name',
      (api) => api.organizations.create({ name: '   ', slug: 'ok-slug' }),
      V,
    ],
    [
      'organizations.create: oversized name',
      (api) => api.organizations.create({ name: long(201), slug: 'ok-slug' }),
      V,
    ],
    ['organizations.create: empty slug', (api) => api.organizations.create({ name: 'Ok', slug: '' }), V],
    [
      'organizations.create: oversized slug',
      (api) => api.organizations.create({ name: 'Ok', slug: long(64) }),
      V,
    ],
    [
      'organizations.create: slug with spaces',
      (api) => api.organizations.create({ name: 'Ok', slug: 'a b' }),
      V,
    ],
    [
      'organizations.create: unknown key',
      (api) => api.organizations.create(bad({ name: 'Ok', slug: 'ok-x', owner: 'me' })),
      V,
    ],
    ['organizations.create: no input', (api) => api.organizations.create(bad(undefined)), V],
    ['organizations.bySlug: oversized slug', (api) => api.organizations.bySlug({ slug: long(300) }), V],
    [
      'organizations.bySlug: unknown slug',
      (api) => api.organizations.bySlug({ slug: 'no-such-org-slug' }),
      'ORGANIZATION_NOT_FOUND',
    ],
    [
      'organizations.bySlug: another organization',
      (api) => api.organizations.bySlug({ slug: other.slug }),
      'ORGANIZATION_NOT_FOUND',
    ],
    [
      'organizations.scheduleDeletion: malformed id',
      (api) => api.organizations.scheduleDeletion({ organizationId: 'org_1' }),
      V,
    ],
    [
      'organizations.scheduleDeletion: another organization',
      (api) => api.organizations.scheduleDeletion({ organizationId: other.id }),
      'ORGANIZATION_NOT_FOUND',
    ],
    ['members.list: id of wrong type', (api) => api.members.list(bad({ organizationId: 42 })), V],
    ['members.list: empty id', (api) => api.members.list({ organizationId: '' }), V],
    [
      'members.list: unknown organization',
      (api) => api.members.list({ organizationId: UNKNOWN }),
      'ORGANIZATION_NOT_FOUND',
    ],
    [
      'members.list: oversized cursor',
      (api) => api.members.list({ organizationId: home.id, cursor: long(500) }),
      V,
    ],
    ['members.list: unknown key', (api) => api.members.list(bad({ organizationId: home.id, offset: 10 })), V],
    [
      'members.leave: unknown key',
      (api) => api.members.leave(bad({ organizationId: home.id, reason: 'bye' })),
      V,
    ],
    [
      'members.leave: another organization',
      (api) => api.members.leave({ organizationId: other.id }),
      'ORGANIZATION_NOT_FOUND',
    ],
    [
      'members.remove: malformed member id',
      (api) => api.members.remove({ organizationId: home.id, memberId: 'm1' }),
      V,
    ],
    [
      'members.remove: keepApiKeys of wrong type',
      (api) =>
        api.members.remove(bad({ organizationId: home.id, memberId: homeMember.id, keepApiKeys: 'yes' })),
      V,
    ],
    [
      'members.remove: unknown member',
      (api) => api.members.remove({ organizationId: home.id, memberId: UNKNOWN }),
      'MEMBER_NOT_FOUND',
    ],
    [
      'members.remove: member of another organization',
      (api) => api.members.remove({ organizationId: home.id, memberId: otherMember.id }),
      'MEMBER_NOT_FOUND',
    ],
    [
      'members.remove: in another organization',
      (api) => api.members.remove({ organizationId: other.id, memberId: otherMember.id }),
      'ORGANIZATION_NOT_FOUND',
    ],
    [
      'members.updateRole: unknown role',
      (api) =>
        api.members.updateRole(bad({ organizationId: home.id, memberId: homeMember.id, role: 'superuser' })),
      V,
    ],
    [
      'members.updateRole: role missing',
      (api) => api.members.updateRole(bad({ organizationId: home.id, memberId: homeMember.id })),
      V,
    ],
    [
      'members.updateRole: member of another organization',
      (api) => api.members.updateRole({ organizationId: home.id, memberId: otherMember.id, role: 'viewer' }),
      'MEMBER_NOT_FOUND',
    ],
    [
      'members.updateRole: unknown member',
      (api) => api.members.updateRole({ organizationId: home.id, memberId: UNKNOWN, role: 'viewer' }),
      'MEMBER_NOT_FOUND',
    ],
    [
      'members.transferOwnership: member of another organization',
      (api) => api.members.transferOwnership({ organizationId: home.id, memberId: otherMember.id }),
      'MEMBER_NOT_FOUND',
    ],
    [
      'members.transferOwnership: malformed id',
      (api) => api.members.transferOwnership(bad({ organizationId: home.id, memberId: 7 })),
      V,
    ],
    [
      'invitations.create: not an email',
      (api) => api.invitations.create({ organizationId: home.id, email: 'nobody', role: 'member' }),
      V,
    ],
    [
      'invitations.create: empty email',
      (api) => api.invitations.create({ organizationId: home.id, email: '', role: 'member' }),
      V,
    ],
    [
      'invitations.create: oversized email',
      (api) =>
        api.invitations.create({
          organizationId: home.id,
          email: `${long(320)}@example.test`,
          role: 'member',
        }),
      V,
    ],
    [
      'invitations.create: unknown role',
      (api) => api.invitations.create(bad({ organizationId: home.id, email: 'a@example.test', role: 'god' })),
      V,
    ],
    [
      'invitations.create: unknown key',
      (api) =>
        api.invitations.create(
          bad({ organizationId: home.id, email: 'a@example.test', role: 'member', expiresInDays: 90 }),
        ),
      V,
    ],
    [
      'invitations.create: another organization',
      (api) => api.invitations.create({ organizationId: other.id, email: 'a@example.test', role: 'member' }),
      'ORGANIZATION_NOT_FOUND',
    ],
    ['invitations.revoke: malformed id', (api) => api.invitations.revoke({ invitationId: 'inv' }), V],
    [
      'invitations.revoke: unknown invitation',
      (api) => api.invitations.revoke({ invitationId: UNKNOWN }),
      'INVITATION_NOT_FOUND',
    ],
    [
      'invitations.revoke: invitation of another organization',
      (api) => api.invitations.revoke({ invitationId: otherInvitation.id }),
      'INVITATION_NOT_FOUND',
    ],
    [
      'invitations.revoke: unknown key',
      (api) => api.invitations.revoke(bad({ invitationId: otherInvitation.id, organizationId: home.id })),
      V,
    ],
    [
      'invitations.accept: unknown invitation',
      (api) => api.invitations.accept({ invitationId: UNKNOWN }),
      'INVITATION_NOT_FOUND',
    ],
    [
      'invitations.accept: invitation of another organization for someone else',
      (api) => api.invitations.accept({ invitationId: otherInvitation.id }),
      'INVITATION_NOT_FOUND',
    ],
    [
      'invitations.listMine: unknown key',
      (api) => api.invitations.listMine(bad({ email: 'x@example.test' })),
      V,
    ],
    [
      'auditLog.list: limit of wrong type',
      (api) => api.auditLog.list(bad({ organizationId: home.id, limit: '10' })),
      V,
    ],
    [
      'auditLog.list: another organization',
      (api) => api.auditLog.list({ organizationId: other.id }),
      'ORGANIZATION_NOT_FOUND',
    ],
  ];
}

describe('bad input', () => {
  it.each(cases())('%s', async (_name, call, reason) => {
    const api = callerFor(t.db, home.owner.user);
    expect(await reasonOfRefusal(call(api))).toBe(reason);
    expect(await organizationState(t.db, home.id)).toEqual(before.home);
    expect(await organizationState(t.db, other.id)).toEqual(before.other);
    expect(await organizationCount()).toBe(before.organizations);
  });

  it('validation errors list the offending fields', async () => {
    const api = callerFor(t.db, home.owner.user);
    const error = (await api.members
      .updateRole(bad({ organizationId: home.id, memberId: 'x', role: 'god' }))
      .catch((e: unknown) => e)) as { cause?: { issues?: Array<{ path: PropertyKey[] }> } };
    const paths = error.cause?.issues?.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['memberId', 'role']);
  });
});
