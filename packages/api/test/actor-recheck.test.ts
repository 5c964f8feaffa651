import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createApiKeyRow, createInvitationRow, createOrganization } from './factories';
import { organizationState, refusalLeavingStateUnchanged } from './state';

/**
 * Access ends with the commit, for API keys too. A key's request authenticates (the HTTP context finds
 * the key live), then its creator's leave commits and revokes the key, then the request takes the
 * organization lock. Under the lock the actor is re-read, the key included. Through `createCaller` that
 * moment is an `ApiKeyCaller` whose key row is already revoked: nothing before the lock looks at the key,
 * so only the re-check under the lock can refuse it. (The HTTP race itself is in
 * apps/server/test/reliability/invariants.test.ts, on PostgreSQL.)
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

async function revokeKey(keyId: string) {
  await t.db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: 'member_left' })
    .where('id', '=', keyId)
    .execute();
}

async function setKeyExpiry(keyId: string, expiresAt: RawBuilder<Date>) {
  await t.db.updateTable('api_keys').set({ expires_at: expiresAt }).where('id', '=', keyId).execute();
}

/** An organization with an admin who created a members:write key, and a member to act on. */
async function world() {
  const organization = await createOrganization(t.db);
  const admin = await addMember(t.db, organization.id, 'admin');
  const member = await addMember(t.db, organization.id, 'member');
  const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: admin.user.id });
  return { organization, admin, member, key };
}

describe('an API key revoked after it authenticated', () => {
  it('members.remove: refused with INVALID_API_KEY, the member untouched; a live key removes', async () => {
    const { organization, member, key } = await world();
    await revokeKey(key.id);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, key).members.remove({
          organizationId: organization.id,
          memberId: member.membership.id,
        }),
      ),
    ).toBe('INVALID_API_KEY');
    expect((await organizationState(t.db, organization.id)).memberships[member.membership.id]?.status).toBe(
      'active',
    );

    // The allowed path: a live key of the same organization removes the member.
    const other = await world();
    const before = await organizationState(t.db, other.organization.id);
    await callerFor(t.db, other.key).members.remove({
      organizationId: other.organization.id,
      memberId: other.member.membership.id,
    });
    const removed = await organizationState(t.db, other.organization.id);
    expect(removed.memberships[other.member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'removed',
      removedBy: null,
    });
    expect(removed.audit.at(-1)).toMatchObject({ action: 'member.removed', actorApiKeyId: other.key.id });
    expect(removed.audit.slice(before.audit.length)).toEqual([
      {
        action: 'member.removed',
        actorUserId: null,
        actorApiKeyId: other.key.id,
        targetMembershipId: other.member.membership.id,
      },
    ]);
    expect(removed.outbox.slice(before.outbox.length)).toEqual([
      { type: 'member.removed', membershipId: other.member.membership.id },
    ]);
    // The acting key belongs to the admin, not to the removed member: it stays live.
    expect(removed.apiKeys[other.key.id]).toEqual({ revokedReason: null });
  });

  it('members.updateRole: refused with INVALID_API_KEY, the role unchanged; a live key changes it', async () => {
    const { organization, member, key } = await world();
    await revokeKey(key.id);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, key).members.updateRole({
          organizationId: organization.id,
          memberId: member.membership.id,
          role: 'viewer',
        }),
      ),
    ).toBe('INVALID_API_KEY');

    const other = await world();
    const before = await organizationState(t.db, other.organization.id);
    await callerFor(t.db, other.key).members.updateRole({
      organizationId: other.organization.id,
      memberId: other.member.membership.id,
      role: 'viewer',
    });
    const changed = await organizationState(t.db, other.organization.id);
    expect(changed.memberships[other.member.membership.id]?.role).toBe('viewer');
    expect(changed.audit.slice(before.audit.length)).toEqual([
      {
        action: 'member.role_changed',
        actorUserId: null,
        actorApiKeyId: other.key.id,
        targetMembershipId: other.member.membership.id,
      },
    ]);
    expect(changed.outbox.slice(before.outbox.length)).toEqual([
      { type: 'member.role_changed', membershipId: other.member.membership.id },
    ]);
  });

  it('invitations.create: refused with INVALID_API_KEY, no invitation written; a live key invites', async () => {
    const { organization, key } = await world();
    await revokeKey(key.id);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, key).invitations.create({
          organizationId: organization.id,
          email: 'late@example.test',
          role: 'member',
        }),
      ),
    ).toBe('INVALID_API_KEY');

    const other = await world();
    const before = await organizationState(t.db, other.organization.id);
    const invitation = await callerFor(t.db, other.key).invitations.create({
      organizationId: other.organization.id,
      email: 'on-time@example.test',
      role: 'member',
    });
    const invited = await organizationState(t.db, other.organization.id);
    expect(invited.invitations[invitation.id]).toMatchObject({
      status: 'pending',
      email: 'on-time@example.test',
    });
    expect(invited.audit.slice(before.audit.length)).toEqual([
      {
        action: 'invitation.created',
        actorUserId: null,
        actorApiKeyId: other.key.id,
        targetMembershipId: null,
      },
    ]);
  });

  it('invitations.revoke: refused with INVALID_API_KEY, the invitation still pending; a live key revokes', async () => {
    const { organization, admin, key } = await world();
    const invitation = await createInvitationRow(t.db, {
      organizationId: organization.id,
      invitedBy: admin.user.id,
    });
    await revokeKey(key.id);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, key).invitations.revoke({ invitationId: invitation.id }),
      ),
    ).toBe('INVALID_API_KEY');
    expect((await organizationState(t.db, organization.id)).invitations[invitation.id]?.status).toBe(
      'pending',
    );

    const other = await world();
    const pending = await createInvitationRow(t.db, {
      organizationId: other.organization.id,
      invitedBy: other.admin.user.id,
    });
    const before = await organizationState(t.db, other.organization.id);
    await callerFor(t.db, other.key).invitations.revoke({ invitationId: pending.id });
    const revoked = await organizationState(t.db, other.organization.id);
    expect(revoked.invitations[pending.id]?.status).toBe('revoked');
    // A key is no person: the invitation names no revoker, the audit row names the key.
    expect(revoked.invitations[pending.id]?.revokedBy).toBeNull();
    expect(revoked.audit.slice(before.audit.length)).toEqual([
      {
        action: 'invitation.revoked',
        actorUserId: null,
        actorApiKeyId: other.key.id,
        targetMembershipId: null,
      },
    ]);
  });

  it('a key of another organization is not live here: the re-check names the organization', async () => {
    // Defence in depth: the guard already refuses a key outside its organization (ORGANIZATION_NOT_FOUND);
    // the re-check under the lock also matches the key to the locked organization.
    const { organization, member, key } = await world();
    const elsewhere = await world();
    const forged = { ...key, id: elsewhere.key.id };
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, forged).members.remove({
          organizationId: organization.id,
          memberId: member.membership.id,
        }),
      ),
    ).toBe('INVALID_API_KEY');
    expect((await organizationState(t.db, organization.id)).memberships[member.membership.id]?.status).toBe(
      'active',
    );
  });
});

describe('an API key that expired after it authenticated', () => {
  it('members.remove: refused with API_KEY_EXPIRED under the lock, the member untouched; an unexpired key removes', async () => {
    const { organization, member, key } = await world();
    await setKeyExpiry(key.id, sql<Date>`now() - interval '1 second'`);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, key).members.remove({
          organizationId: organization.id,
          memberId: member.membership.id,
        }),
      ),
    ).toBe('API_KEY_EXPIRED');

    // The allowed path: a key expiring in an hour still removes.
    const other = await world();
    await setKeyExpiry(other.key.id, sql<Date>`now() + interval '1 hour'`);
    await callerFor(t.db, other.key).members.remove({
      organizationId: other.organization.id,
      memberId: other.member.membership.id,
    });
    expect(
      (await organizationState(t.db, other.organization.id)).memberships[other.member.membership.id],
    ).toMatchObject({ status: 'removed', removalReason: 'removed' });
  });
});
