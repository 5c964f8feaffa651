import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateRequest } from '../src/identity/authenticate';
import { endMembership } from '../src/services/end-membership';
import { addMember, callerFor, createApiKeyRow, createOrganization, uniqueSuffix } from './factories';
import { organizationState, reasonOfRefusal, refusalLeavingStateUnchanged } from './state';

/**
 * Issue 13, finding 1: a key never does what its creator may no longer do. A key's power is its scopes
 * limited by its creator's role of now (never beyond an admin's), read at the guard and again under the
 * organization lock; a key kept through its creator's removal becomes the organization's own.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** An owner, an admin with a key of every scope, and a member to act on. */
async function world() {
  const organization = await createOrganization(t.db);
  const owner = callerFor(t.db, organization.owner.user);
  const admin = await addMember(t.db, organization.id, 'admin');
  const member = await addMember(t.db, organization.id, 'member');
  const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: admin.user.id });
  return { organization, owner, admin, member, key, asKey: callerFor(t.db, key) };
}

describe("an API key's power follows its creator's role", () => {
  it('a demoted admin’s key can no longer remove, change roles or invite; it still reads what a viewer may', async () => {
    const { organization, owner, admin, member, key, asKey } = await world();
    await owner.members.updateRole({
      organizationId: organization.id,
      memberId: admin.membership.id,
      role: 'viewer',
    });

    const organizationId = organization.id;
    const refusals = [
      () => asKey.members.remove({ organizationId, memberId: member.membership.id }),
      () => asKey.members.updateRole({ organizationId, memberId: member.membership.id, role: 'viewer' }),
      () =>
        asKey.invitations.create({
          organizationId,
          email: `x-${uniqueSuffix()}@example.test`,
          role: 'member',
        }),
      () => asKey.invitations.list({ organizationId }),
    ];
    for (const call of refusals) {
      expect(await refusalLeavingStateUnchanged(t.db, organizationId, call)).toBe('INSUFFICIENT_ROLE');
    }
    // What a viewer may: list members and read the audit log.
    expect((await asKey.members.list({ organizationId })).items).toHaveLength(3);
    expect((await asKey.auditLog.list({ organizationId })).items.length).toBeGreaterThan(0);
    // A member may not read the audit log: neither may the key of a member.
    await owner.members.updateRole({ organizationId, memberId: admin.membership.id, role: 'member' });
    expect(await reasonOfRefusal(asKey.auditLog.list({ organizationId }))).toBe('INSUFFICIENT_ROLE');
    // The key itself was not revoked: demotion limits it, promotion gives its power back.
    const row = await t.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
  });

  it('promoted back to admin, the same key removes a member again (the database says so)', async () => {
    const { organization, owner, admin, member, key, asKey } = await world();
    const organizationId = organization.id;
    await owner.members.updateRole({ organizationId, memberId: admin.membership.id, role: 'viewer' });
    expect(
      await reasonOfRefusal(asKey.members.remove({ organizationId, memberId: member.membership.id })),
    ).toBe('INSUFFICIENT_ROLE');
    await owner.members.updateRole({ organizationId, memberId: admin.membership.id, role: 'admin' });
    await asKey.members.remove({ organizationId, memberId: member.membership.id });
    const state = await organizationState(t.db, organizationId);
    expect(state.memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'removed',
    });
    expect(state.audit.at(-1)).toMatchObject({
      action: 'member.removed',
      actorApiKeyId: key.id,
      actorUserId: null,
    });
  });

  it('an owner’s key acts with an admin’s reach at most: it cannot remove an admin', async () => {
    const { organization, admin, member } = await world();
    const ownerKey = callerFor(
      t.db,
      await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: organization.owner.user.id }),
    );
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        ownerKey.members.remove({ organizationId: organization.id, memberId: admin.membership.id }),
      ),
    ).toBe('INSUFFICIENT_ROLE');
    await ownerKey.members.remove({ organizationId: organization.id, memberId: member.membership.id });
    expect((await organizationState(t.db, organization.id)).memberships[member.membership.id]?.status).toBe(
      'removed',
    );
  });

  // The guard ran before the demotion committed: only the re-check under the organization lock sees it.
  // `endMembership` is that part alone (what a request whose guard passed just before does next).
  it('is re-checked under the organization lock: a removal by a key whose creator was demoted after its guard is refused', async () => {
    const { organization, owner, admin, member, key } = await world();
    const organizationId = organization.id;
    await owner.members.updateRole({ organizationId, memberId: admin.membership.id, role: 'member' });
    expect(
      await refusalLeavingStateUnchanged(t.db, organizationId, () =>
        endMembership(t.db, {
          organizationId,
          actor: { type: 'apiKey', apiKeyId: key.id },
          membershipId: member.membership.id,
          kind: 'remove',
        }),
      ),
    ).toBe('INSUFFICIENT_ROLE');
    // The allowed path, promoted again: the same call goes through.
    await owner.members.updateRole({ organizationId, memberId: admin.membership.id, role: 'admin' });
    await endMembership(t.db, {
      organizationId,
      actor: { type: 'apiKey', apiKeyId: key.id },
      membershipId: member.membership.id,
      kind: 'remove',
    });
    expect((await organizationState(t.db, organizationId)).memberships[member.membership.id]?.status).toBe(
      'removed',
    );
  });
});

describe('a key kept through its creator’s removal (keepApiKeys: true)', () => {
  it('becomes the organization’s own: it acts for nobody, invites in its own name, and outlives the creator’s return and second leave', async () => {
    const { organization, owner, admin, member, key: rowKey } = await world();
    const organizationId = organization.id;
    // A real key, issued through the API, so that authentication can read it like a request would.
    const issued = await callerFor(t.db, admin.user).apiKeys.create({
      organizationId,
      name: `key-${uniqueSuffix()}`,
      scopes: ['members:write'],
    });
    const key = { id: issued.id, secret: issued.key };
    const removal = await owner.members.remove({
      organizationId,
      memberId: admin.membership.id,
      keepApiKeys: true,
    });
    expect(removal.revoked.apiKeys).toBe(0);
    const row = await t.db
      .selectFrom('api_keys')
      .select(['revoked_at', 'organization_owned_at', 'created_by'])
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ revoked_at: null, created_by: admin.user.id });
    expect(row.organization_owned_at).not.toBeNull();
    const audit = await t.db
      .selectFrom('audit_log')
      .select('metadata')
      .where('organization_id', '=', organizationId)
      .where('action', '=', 'member.removed')
      .executeTakeFirstOrThrow();
    // Both of the admin's keys were kept (the one from world() too), and the audit entry says which.
    expect(audit.metadata).toMatchObject({ keptApiKeyIds: [key.id, rowKey.id].sort() });
    // What authentication now makes of the key: a key acting for nobody.
    const authenticated = await authenticateRequest(
      { headers: { authorization: `Bearer ${key.secret}` } },
      t.db,
    );
    expect(authenticated).toMatchObject({ type: 'apiKey', apiKeyId: key.id, actsForUserId: null });
    const asKey = callerFor(t.db, authenticated);

    // It invites in its own name: the invitation names the key, not the removed admin.
    const email = `kept-${uniqueSuffix()}@example.test`;
    const invitation = await asKey.invitations.create({ organizationId, email, role: 'member' });
    const stored = await t.db
      .selectFrom('invitations')
      .select(['invited_by', 'invited_by_api_key_id'])
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ invited_by: null, invited_by_api_key_id: key.id });
    const listed = (await owner.invitations.list({ organizationId })).find((i) => i.id === invitation.id);
    expect(listed?.invitedBy).toMatchObject({ userId: null, email: null, apiKeyId: key.id });
    expect(listed?.invitedBy.name).toMatch(/^key-/);

    // With an admin's reach: it manages members and viewers.
    await asKey.members.updateRole({ organizationId, memberId: member.membership.id, role: 'viewer' });
    expect((await organizationState(t.db, organizationId)).memberships[member.membership.id]?.role).toBe(
      'viewer',
    );

    // The removed admin comes back and leaves again: the organization's key is not theirs to take along.
    const back = await addMember(t.db, organizationId, 'member', admin.user);
    await callerFor(t.db, admin.user).members.leave({ organizationId });
    expect(back.membership.id).not.toBe(admin.membership.id);
    const after = await t.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(after.revoked_at).toBeNull();
  });

  it('without keepApiKeys the key is revoked as before, and refused', async () => {
    const { organization, owner, admin, member, asKey } = await world();
    await owner.members.remove({ organizationId: organization.id, memberId: admin.membership.id });
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        asKey.members.remove({ organizationId: organization.id, memberId: member.membership.id }),
      ),
    ).toBe('INVALID_API_KEY');
  });
});
