import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createApiKeyRow, createOrganization, createUser } from './factories';
import { organizationState, reasonOfRefusal, refusalLeavingStateUnchanged } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** An organization, a fresh user, and a pending invitation for them from the owner. */
async function pendingInvitation() {
  const organization = await createOrganization(t.db);
  const invitee = await createUser(t.db);
  const owner = callerFor(t.db, organization.owner.user);
  const invitation = await owner.invitations.create({
    organizationId: organization.id,
    email: invitee.email,
    role: 'member',
  });
  return { organization, invitee, owner, invitation };
}

async function expire(invitationId: string) {
  await t.db
    .updateTable('invitations')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', invitationId)
    .execute();
}

describe('invitations', () => {
  it('invite, list, listMine, accept: a new active membership with the invited role, audit row and event', async () => {
    const organization = await createOrganization(t.db);
    const invitee = await createUser(t.db);
    const owner = callerFor(t.db, organization.owner.user);
    const invitation = await owner.invitations.create({
      organizationId: organization.id,
      email: `  ${invitee.email.toUpperCase()} `,
      role: 'admin',
    });
    expect(invitation).toMatchObject({ email: invitee.email, role: 'admin', status: 'pending' });
    const ttl = new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime();
    expect(Math.round(ttl / 86_400_000)).toBe(7);
    expect((await owner.invitations.list({ organizationId: organization.id })).map((i) => i.id)).toEqual([
      invitation.id,
    ]);
    const api = callerFor(t.db, invitee);
    expect(await api.invitations.listMine()).toEqual([
      expect.objectContaining({
        id: invitation.id,
        role: 'admin',
        organization: expect.objectContaining({ id: organization.id }),
      }),
    ]);
    const accepted = await api.invitations.accept({ invitationId: invitation.id });
    expect(accepted).toMatchObject({
      role: 'admin',
      organization: { id: organization.id, slug: organization.slug },
    });
    const state = await organizationState(t.db, organization.id);
    expect(state.memberships[accepted.memberId]).toMatchObject({
      userId: invitee.id,
      role: 'admin',
      status: 'active',
    });
    expect(state.invitations[invitation.id]?.status).toBe('accepted');
    expect(state.invitations[invitation.id]?.acceptedBy).toBe(invitee.id);
    expect(state.audit.map((a) => a.action)).toEqual(['invitation.created', 'invitation.accepted']);
    expect(state.audit.at(-1)).toEqual({
      action: 'invitation.accepted',
      actorUserId: invitee.id,
      actorApiKeyId: null,
      targetMembershipId: accepted.memberId,
    });
    expect(state.outbox).toEqual([{ type: 'member.added', membershipId: accepted.memberId }]);
    expect(await api.invitations.listMine()).toEqual([]);
    // Used: accepting again is INVITATION_NOT_FOUND, and writes nothing.
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        api.invitations.accept({ invitationId: invitation.id }),
      ),
    ).toBe('INVITATION_NOT_FOUND');
  });

  it('works again after the user had left: a new membership row, the old one stays removed', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const api = callerFor(t.db, member.user);
    await api.members.leave({ organizationId: organization.id });
    const owner = callerFor(t.db, organization.owner.user);
    const invitation = await owner.invitations.create({
      organizationId: organization.id,
      email: member.user.email,
      role: 'viewer',
    });
    const accepted = await api.invitations.accept({ invitationId: invitation.id });
    expect(accepted.memberId).not.toBe(member.membership.id);
    const state = await organizationState(t.db, organization.id);
    expect(state.memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'left',
    });
    expect(state.memberships[accepted.memberId]).toMatchObject({ status: 'active', role: 'viewer' });
    expect(state.invitations[invitation.id]?.status).toBe('accepted');
    expect(state.audit.map((a) => a.action)).toEqual([
      'member.left',
      'invitation.created',
      'invitation.accepted',
    ]);
    expect(state.outbox).toEqual([
      { type: 'member.removed', membershipId: member.membership.id },
      { type: 'member.added', membershipId: accepted.memberId },
    ]);
  });

  it('refuses an expired invitation with INVITATION_EXPIRED and a new one may be sent', async () => {
    const { organization, invitee, owner, invitation } = await pendingInvitation();
    await expire(invitation.id);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id }),
      ),
    ).toBe('INVITATION_EXPIRED');
    expect(await callerFor(t.db, invitee).invitations.listMine()).toEqual([]);
    expect((await owner.invitations.list({ organizationId: organization.id }))[0]).toMatchObject({
      expired: true,
    });
    const again = await owner.invitations.create({
      organizationId: organization.id,
      email: invitee.email,
      role: 'member',
    });
    expect(again.id).not.toBe(invitation.id);
    // The expired invitation was retired (revoked by nobody) to make room for the new one.
    expect((await organizationState(t.db, organization.id)).invitations[invitation.id]).toMatchObject({
      status: 'revoked',
      revokedBy: null,
    });
    const accepted = await callerFor(t.db, invitee).invitations.accept({ invitationId: again.id });
    const state = await organizationState(t.db, organization.id);
    expect(state.invitations[again.id]?.status).toBe('accepted');
    expect(state.memberships[accepted.memberId]).toMatchObject({
      userId: invitee.id,
      role: 'member',
      status: 'active',
    });
  });

  it('refuses someone else’s invitation as INVITATION_NOT_FOUND, nothing written', async () => {
    const { organization, invitation } = await pendingInvitation();
    const stranger = await createUser(t.db);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, stranger).invitations.accept({ invitationId: invitation.id }),
      ),
    ).toBe('INVITATION_NOT_FOUND');
    expect(await callerFor(t.db, stranger).invitations.listMine()).toEqual([]);
  });

  it('maps duplicates to typed reasons: INVITATION_ALREADY_PENDING, ALREADY_MEMBER', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const owner = callerFor(t.db, organization.owner.user);
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await owner.invitations.create({ organizationId: organization.id, email, role: 'member' });
    const before = await organizationState(t.db, organization.id);
    expect(
      await reasonOfRefusal(
        owner.invitations.create({ organizationId: organization.id, email, role: 'viewer' }),
      ),
    ).toBe('INVITATION_ALREADY_PENDING');
    expect(
      await reasonOfRefusal(
        owner.invitations.create({
          organizationId: organization.id,
          email: member.user.email,
          role: 'viewer',
        }),
      ),
    ).toBe('ALREADY_MEMBER');
    expect(await organizationState(t.db, organization.id)).toEqual(before);
  });

  it('accepting while already an active member is ALREADY_MEMBER; the invitation stays pending', async () => {
    const { organization, invitee, invitation } = await pendingInvitation();
    await addMember(t.db, organization.id, 'viewer', invitee);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id }),
      ),
    ).toBe('ALREADY_MEMBER');
    expect((await organizationState(t.db, organization.id)).invitations[invitation.id]?.status).toBe(
      'pending',
    );
  });

  // Issue 20, item 3: who learns what about an invitation they may not revoke. Outsiders (and other
  // organizations' keys) get INVITATION_NOT_FOUND, so nothing about another organization leaks; members
  // of the invitation's organization already know it, so a refusal there is about their role, as
  // everywhere else in their organization: INSUFFICIENT_ROLE, with the roles that may.
  it('revoke by a member of the organization who may not manage the invitation: INSUFFICIENT_ROLE with allowedRoles; an outsider: INVITATION_NOT_FOUND; nothing changes', async () => {
    const { organization, owner } = await pendingInvitation();
    const adminInvitation = await owner.invitations.create({
      organizationId: organization.id,
      email: `admin-to-be-${crypto.randomUUID().slice(0, 8)}@example.test`,
      role: 'admin',
    });
    const member = await addMember(t.db, organization.id, 'member');
    const viewer = await addMember(t.db, organization.id, 'viewer');
    const admin = await addMember(t.db, organization.id, 'admin');
    const outsider = await createUser(t.db);
    const revoke = (who: { id: string }) => () =>
      callerFor(t.db, who).invitations.revoke({ invitationId: adminInvitation.id });
    for (const who of [member.user, viewer.user, admin.user]) {
      expect(await refusalLeavingStateUnchanged(t.db, organization.id, revoke(who))).toBe(
        'INSUFFICIENT_ROLE',
      );
    }
    await expect(revoke(member.user)()).rejects.toMatchObject({
      details: { allowedRoles: ['owner', 'admin'] },
    });
    await expect(revoke(admin.user)()).rejects.toMatchObject({ details: { role: 'admin' } });
    expect(await refusalLeavingStateUnchanged(t.db, organization.id, revoke(outsider))).toBe(
      'INVITATION_NOT_FOUND',
    );
    // The allowed path: the owner revokes it.
    await owner.invitations.revoke({ invitationId: adminInvitation.id });
    expect((await organizationState(t.db, organization.id)).invitations[adminInvitation.id]?.status).toBe(
      'revoked',
    );
  });

  it('revoke: revoked invitations cannot be accepted; other organizations’ invitations are INVITATION_NOT_FOUND', async () => {
    const { organization, invitee, owner, invitation } = await pendingInvitation();
    const other = await createOrganization(t.db);
    // The other organization's owner, and a full-scope key of the other organization, cannot see it.
    const otherKey = await createApiKeyRow(t.db, {
      organizationId: other.id,
      createdBy: other.owner.user.id,
    });
    const before = await organizationState(t.db, organization.id);
    expect(
      await reasonOfRefusal(
        callerFor(t.db, other.owner.user).invitations.revoke({ invitationId: invitation.id }),
      ),
    ).toBe('INVITATION_NOT_FOUND');
    expect(
      await reasonOfRefusal(callerFor(t.db, otherKey).invitations.revoke({ invitationId: invitation.id })),
    ).toBe('INVITATION_NOT_FOUND');
    expect(await organizationState(t.db, organization.id)).toEqual(before);
    expect(await owner.invitations.revoke({ invitationId: invitation.id })).toEqual({
      id: invitation.id,
      organizationId: organization.id,
      status: 'revoked',
    });
    const revoked = await organizationState(t.db, organization.id);
    expect(revoked.invitations[invitation.id]).toMatchObject({
      status: 'revoked',
      revokedBy: organization.owner.user.id,
    });
    expect(revoked.audit.slice(before.audit.length)).toEqual([
      {
        action: 'invitation.revoked',
        actorUserId: organization.owner.user.id,
        actorApiKeyId: null,
        targetMembershipId: null,
      },
    ]);
    expect(await reasonOfRefusal(owner.invitations.revoke({ invitationId: invitation.id }))).toBe(
      'INVITATION_NOT_FOUND',
    );
    expect(
      await reasonOfRefusal(callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id })),
    ).toBe('INVITATION_NOT_FOUND');
    expect(await organizationState(t.db, organization.id)).toEqual(revoked);
  });

  it('an organization scheduled for deletion takes no new members', async () => {
    const { organization, invitee, owner, invitation } = await pendingInvitation();
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const before = await organizationState(t.db, organization.id);
    expect(
      await reasonOfRefusal(callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id })),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
    expect(
      await reasonOfRefusal(
        owner.invitations.create({
          organizationId: organization.id,
          email: 'x@example.test',
          role: 'member',
        }),
      ),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
    const after = await organizationState(t.db, organization.id);
    expect(after).toEqual(before);
    expect(after.invitations[invitation.id]?.status).toBe('pending');
    expect(Object.values(after.memberships).some((m) => m.userId === invitee.id)).toBe(false);
  });
});
