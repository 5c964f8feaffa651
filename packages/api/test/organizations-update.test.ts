import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  callerFor,
  createApiKeyRow,
  createOrganization,
  createUser,
  uniqueSuffix,
} from './factories';
import { organizationState, refusalLeavingStateUnchanged } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

async function auditOf(organizationId: string) {
  return t.db
    .selectFrom('audit_log')
    .select(['action', 'actor_user_id', 'actor_api_key_id', 'metadata'])
    .where('organization_id', '=', organizationId)
    .where('action', '=', 'organization.updated')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

describe('organizations.update', () => {
  it('lets owners and admins rename and change the slug, audited with the old and new values', async () => {
    const organization = await createOrganization(t.db);
    const admin = await addMember(t.db, organization.id, 'admin');
    const s = uniqueSuffix();

    const renamed = await callerFor(t.db, organization.owner.user).organizations.update({
      organizationId: organization.id,
      name: `  Renamed ${s}  `,
    });
    expect(renamed).toEqual({ id: organization.id, name: `Renamed ${s}`, slug: organization.slug });
    const moved = await callerFor(t.db, admin.user).organizations.update({
      organizationId: organization.id,
      slug: `Moved-${s}`,
    });
    expect(moved).toEqual({ id: organization.id, name: `Renamed ${s}`, slug: `moved-${s}` });

    const state = await organizationState(t.db, organization.id);
    expect(state.organization).toEqual({ status: 'active', name: `Renamed ${s}`, slug: `moved-${s}` });
    expect(await auditOf(organization.id)).toEqual([
      {
        action: 'organization.updated',
        actor_user_id: organization.owner.user.id,
        actor_api_key_id: null,
        metadata: { changes: { name: { from: organization.name, to: `Renamed ${s}` } } },
      },
      {
        action: 'organization.updated',
        actor_user_id: admin.user.id,
        actor_api_key_id: null,
        metadata: { changes: { slug: { from: organization.slug, to: `moved-${s}` } } },
      },
    ]);
    // The new slug is the address now; the old one is free.
    expect((await callerFor(t.db, admin.user).organizations.bySlug({ slug: `moved-${s}` })).id).toBe(
      organization.id,
    );
    expect(
      await t.db.selectFrom('organizations').select('id').where('slug', '=', organization.slug).execute(),
    ).toEqual([]);
  });

  it('sending the current values changes nothing and writes no audit entry', async () => {
    const organization = await createOrganization(t.db);
    const before = await organizationState(t.db, organization.id);
    expect(
      await callerFor(t.db, organization.owner.user).organizations.update({
        organizationId: organization.id,
        name: organization.name,
        slug: organization.slug,
      }),
    ).toEqual({ id: organization.id, name: organization.name, slug: organization.slug });
    expect(await organizationState(t.db, organization.id)).toEqual(before);
  });

  it('refuses a slug another organization has (SLUG_TAKEN), changing nothing', async () => {
    const organization = await createOrganization(t.db);
    const other = await createOrganization(t.db);
    const api = callerFor(t.db, organization.owner.user);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        api.organizations.update({ organizationId: organization.id, name: 'Also renamed', slug: other.slug }),
      ),
    ).toBe('SLUG_TAKEN');
  });

  it('refuses members, viewers, API keys and outsiders, changing nothing', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const viewer = await addMember(t.db, organization.id, 'viewer');
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: ['members:read', 'members:write', 'audit:read'],
    });
    const outsider = await createUser(t.db);
    const input = { organizationId: organization.id, name: 'Hijacked' };
    for (const [who, reason] of [
      [member.user, 'INSUFFICIENT_ROLE'],
      [viewer.user, 'INSUFFICIENT_ROLE'],
      [key, 'SESSION_REQUIRED'],
      [outsider, 'ORGANIZATION_NOT_FOUND'],
    ] as const) {
      expect(
        await refusalLeavingStateUnchanged(t.db, organization.id, () =>
          callerFor(t.db, who).organizations.update(input),
        ),
      ).toBe(reason);
    }
  });

  it('refuses while the organization is scheduled for deletion', async () => {
    const organization = await createOrganization(t.db);
    const api = callerFor(t.db, organization.owner.user);
    await api.organizations.scheduleDeletion({ organizationId: organization.id });
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        api.organizations.update({ organizationId: organization.id, name: 'Too late' }),
      ),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
  });

  it('refuses an input without a change, an empty name and a malformed slug', async () => {
    const organization = await createOrganization(t.db);
    const api = callerFor(t.db, organization.owner.user);
    for (const input of [
      { organizationId: organization.id },
      { organizationId: organization.id, name: '   ' },
      { organizationId: organization.id, slug: '-bad-' },
      { organizationId: organization.id, slug: 'a b' },
    ]) {
      expect(
        await refusalLeavingStateUnchanged(t.db, organization.id, () => api.organizations.update(input)),
      ).toBe('VALIDATION_FAILED');
    }
  });
});
