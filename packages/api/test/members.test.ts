import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { LogEvent } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  callerFor,
  createApiKeyRow,
  createInvitationRow,
  createOrganization,
  createSessionRow,
  createUser,
} from './factories';
import { organizationState, reasonOfRefusal } from './state';

let t: TestDatabase;
/** Statements Kysely sent, for the statement budget of a leave. */
let statements: string[] = [];
beforeAll(async () => {
  t = await createTestDatabase({
    log: (event: LogEvent) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
});
afterAll(async () => {
  await t?.destroy();
});

describe('members.leave', () => {
  it('answers the next organization: the most recently joined other active one, then null', async () => {
    const user = await createUser(t.db);
    const first = await createOrganization(t.db);
    await addMember(t.db, first.id, 'member', user);
    const second = await createOrganization(t.db);
    await addMember(t.db, second.id, 'viewer', user);
    const third = await createOrganization(t.db);
    await addMember(t.db, third.id, 'admin', user);
    const api = callerFor(t.db, user);
    expect(await api.members.leave({ organizationId: first.id })).toEqual({
      organizationId: first.id,
      nextOrganization: { id: third.id, slug: third.slug },
    });
    expect((await api.members.leave({ organizationId: third.id })).nextOrganization).toEqual({
      id: second.id,
      slug: second.slug,
    });
    expect((await api.members.leave({ organizationId: second.id })).nextOrganization).toBeNull();
    expect(await api.organizations.listMine()).toEqual([]);
    // Each leave ended the user's membership there (left, by themselves) and wrote its audit row and event.
    for (const organization of [first, second, third]) {
      const state = await organizationState(t.db, organization.id);
      const own = Object.entries(state.memberships).filter(([, m]) => m.userId === user.id);
      expect(own).toEqual([
        [
          expect.any(String),
          {
            userId: user.id,
            role: expect.any(String),
            status: 'removed',
            removalReason: 'left',
            removedBy: user.id,
          },
        ],
      ]);
      const membershipId = own[0]![0];
      expect(state.audit.filter((a) => a.action === 'member.left')).toEqual([
        {
          action: 'member.left',
          actorUserId: user.id,
          actorApiKeyId: null,
          targetMembershipId: membershipId,
        },
      ]);
      expect(state.outbox).toEqual([{ type: 'member.removed', membershipId }]);
    }
  });

  it('refuses the last owner, and changes nothing', async () => {
    const organization = await createOrganization(t.db);
    await addMember(t.db, organization.id, 'admin');
    const userIds = [organization.owner.user.id];
    await createSessionRow(t.db, organization.owner.user.id, { activeOrganizationId: organization.id });
    const before = await organizationState(t.db, organization.id, userIds);
    const api = callerFor(t.db, organization.owner.user);
    expect(await reasonOfRefusal(api.members.leave({ organizationId: organization.id }))).toBe(
      'AT_LEAST_ONE_OWNER_REQUIRED',
    );
    expect(
      await reasonOfRefusal(
        api.members.remove({ organizationId: organization.id, memberId: organization.owner.membership.id }),
      ),
    ).toBe('AT_LEAST_ONE_OWNER_REQUIRED');
    expect(
      await reasonOfRefusal(
        api.members.updateRole({
          organizationId: organization.id,
          memberId: organization.owner.membership.id,
          role: 'admin',
        }),
      ),
    ).toBe('AT_LEAST_ONE_OWNER_REQUIRED');
    expect(await organizationState(t.db, organization.id, userIds)).toEqual(before);
  });

  it('refuses leaving once the organization is scheduled for deletion; removals still work', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const owner = callerFor(t.db, organization.owner.user);
    const scheduled = await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    expect(scheduled.status).toBe('deletion_scheduled');
    // Idempotent: a second call changes nothing and writes no second audit row.
    const before = await organizationState(t.db, organization.id);
    expect(before.organization.status).toBe('deletion_scheduled');
    expect(before.audit.filter((a) => a.action === 'organization.deletion_scheduled')).toEqual([
      {
        action: 'organization.deletion_scheduled',
        actorUserId: organization.owner.user.id,
        actorApiKeyId: null,
        targetMembershipId: null,
      },
    ]);
    expect((await owner.organizations.scheduleDeletion({ organizationId: organization.id })).status).toBe(
      'deletion_scheduled',
    );
    expect(
      await reasonOfRefusal(callerFor(t.db, member.user).members.leave({ organizationId: organization.id })),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
    expect(await organizationState(t.db, organization.id)).toEqual(before);
    // Cutting access is never blocked (deletion.test.ts covers the rest of the grace period).
    await owner.members.remove({ organizationId: organization.id, memberId: member.membership.id });
    expect((await organizationState(t.db, organization.id)).memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'removed',
    });
  });

  it('ends access with the commit: the next call of the former member answers ORGANIZATION_NOT_FOUND', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'admin');
    const api = callerFor(t.db, member.user);
    await api.members.leave({ organizationId: organization.id });
    const afterLeave = await organizationState(t.db, organization.id);
    expect(afterLeave.memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'left',
      removedBy: member.user.id,
    });
    for (const call of [
      () => api.members.list({ organizationId: organization.id }),
      () => api.members.leave({ organizationId: organization.id }),
      () => api.organizations.bySlug({ slug: organization.slug }),
      () => api.invitations.list({ organizationId: organization.id }),
    ]) {
      expect(await reasonOfRefusal(call())).toBe('ORGANIZATION_NOT_FOUND');
    }
    // The refused calls wrote nothing (no second leave, no second audit row).
    expect(await organizationState(t.db, organization.id)).toEqual(afterLeave);
  });

  it('runs in one transaction of 4 statements: BEGIN, the lock with the read under it, the write, COMMIT', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: member.user.id });
    const invitation = await createInvitationRow(t.db, {
      organizationId: organization.id,
      invitedBy: member.user.id,
    });
    const session = await createSessionRow(t.db, member.user.id, { activeOrganizationId: organization.id });
    statements = [];
    await callerFor(t.db, member.user).members.leave({ organizationId: organization.id });
    const sent = statements.map((s) => s.trim().toLowerCase());
    // Kysely logs BEGIN and COMMIT too: one transaction; the access check is the read under the lock (no
    // statement before BEGIN), and the audit row and the outbox event are written with the change.
    expect(sent).toHaveLength(4);
    expect(sent[0]).toBe('begin');
    expect(sent[1]).toMatch(/roster_lock_membership_change/);
    expect(sent[2]).toMatch(/update memberships[\s\S]*insert into audit_log[\s\S]*insert into outbox_events/);
    expect(sent[3]).toBe('commit');
    // Within that budget the leave did all of its work.
    const state = await organizationState(t.db, organization.id, [member.user.id]);
    expect(state.memberships[member.membership.id]).toEqual({
      userId: member.user.id,
      role: 'member',
      status: 'removed',
      removalReason: 'left',
      removedBy: member.user.id,
    });
    expect(state.apiKeys).toEqual({ [key.id]: { revokedReason: 'member_left' } });
    expect(state.invitations[invitation.id]).toMatchObject({ status: 'revoked', revokedBy: member.user.id });
    expect(state.sessions).toEqual({ [session.id]: { activeOrganizationId: null } });
    expect(state.audit).toEqual([
      {
        action: 'member.left',
        actorUserId: member.user.id,
        actorApiKeyId: null,
        targetMembershipId: member.membership.id,
      },
    ]);
    expect(state.outbox).toEqual([{ type: 'member.removed', membershipId: member.membership.id }]);
  });

  it('removes in the same 4 statements, by an admin and by an API key, with the access check under the lock', async () => {
    const organization = await createOrganization(t.db);
    const admin = await addMember(t.db, organization.id, 'admin');
    const first = await addMember(t.db, organization.id, 'member');
    const second = await addMember(t.db, organization.id, 'viewer');
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: admin.user.id,
      scopes: ['members:write'],
    });
    for (const [who, target] of [
      [admin.user, first],
      [key, second],
    ] as const) {
      statements = [];
      await callerFor(t.db, who).members.remove({
        organizationId: organization.id,
        memberId: target.membership.id,
      });
      const sent = statements.map((s) => s.trim().toLowerCase());
      expect(sent).toHaveLength(4);
      expect(sent[1]).toMatch(/roster_lock_membership_change/);
    }
    const state = await organizationState(t.db, organization.id);
    expect(state.memberships[first.membership.id]).toMatchObject({
      status: 'removed',
      removedBy: admin.user.id,
    });
    expect(state.memberships[second.membership.id]).toMatchObject({ status: 'removed', removedBy: null });
    expect(state.audit).toEqual([
      {
        action: 'member.removed',
        actorUserId: admin.user.id,
        actorApiKeyId: null,
        targetMembershipId: first.membership.id,
      },
      {
        action: 'member.removed',
        actorUserId: null,
        actorApiKeyId: key.id,
        targetMembershipId: second.membership.id,
      },
    ]);
  });
});

describe('members.remove', () => {
  it('removing your own membership is a leave (any role, revokes keys even with keepApiKeys)', async () => {
    const organization = await createOrganization(t.db);
    const viewer = await addMember(t.db, organization.id, 'viewer');
    const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: viewer.user.id });
    const result = await callerFor(t.db, viewer.user).members.remove({
      organizationId: organization.id,
      memberId: viewer.membership.id,
      keepApiKeys: true,
    });
    expect(result).toEqual({ memberId: viewer.membership.id, revoked: { apiKeys: 1, invitations: 0 } });
    const state = await organizationState(t.db, organization.id);
    expect(state.memberships[viewer.membership.id]).toEqual({
      userId: viewer.user.id,
      role: 'viewer',
      status: 'removed',
      removalReason: 'left',
      removedBy: viewer.user.id,
    });
    expect(state.apiKeys[key.id]).toEqual({ revokedReason: 'member_left' });
    expect(state.audit).toEqual([
      {
        action: 'member.left',
        actorUserId: viewer.user.id,
        actorApiKeyId: null,
        targetMembershipId: viewer.membership.id,
      },
    ]);
    expect(state.outbox).toEqual([{ type: 'member.removed', membershipId: viewer.membership.id }]);
  });

  it.each(['owner', 'admin', 'member', 'viewer'] as const)(
    '%s removing their own membership leaves (member.left), like members.leave',
    async (role) => {
      const organization = await createOrganization(t.db);
      const self = role === 'owner' ? organization.owner : await addMember(t.db, organization.id, role);
      if (role === 'owner') await addMember(t.db, organization.id, 'owner');
      const before = await organizationState(t.db, organization.id);
      await callerFor(t.db, self.user).members.remove({
        organizationId: organization.id,
        memberId: self.membership.id,
      });
      const after = await organizationState(t.db, organization.id);
      expect(after.memberships[self.membership.id]).toMatchObject({
        status: 'removed',
        removalReason: 'left',
        removedBy: self.user.id,
      });
      expect(after.audit.slice(before.audit.length)).toEqual([
        {
          action: 'member.left',
          actorUserId: self.user.id,
          actorApiKeyId: null,
          targetMembershipId: self.membership.id,
        },
      ]);
      expect(after.outbox.slice(before.outbox.length)).toEqual([
        { type: 'member.removed', membershipId: self.membership.id },
      ]);
    },
  );

  it('keepApiKeys keeps the removed member’s keys and still ends the rest', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: member.user.id });
    const session = await createSessionRow(t.db, member.user.id, { activeOrganizationId: organization.id });
    const invitation = await createInvitationRow(t.db, {
      organizationId: organization.id,
      invitedBy: member.user.id,
    });
    const result = await callerFor(t.db, organization.owner.user).members.remove({
      organizationId: organization.id,
      memberId: member.membership.id,
      keepApiKeys: true,
    });
    expect(result.revoked).toEqual({ apiKeys: 0, invitations: 1 });
    const state = await organizationState(t.db, organization.id, [member.user.id]);
    // organizationState also checks that revoked_at is null exactly when revoked_reason is.
    expect(state.apiKeys[key.id]).toEqual({ revokedReason: null });
    expect(state.sessions[session.id]).toEqual({ activeOrganizationId: null });
    expect(state.invitations[invitation.id]).toMatchObject({
      status: 'revoked',
      revokedBy: organization.owner.user.id,
    });
    expect(state.memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'removed',
      removedBy: organization.owner.user.id,
    });
    expect(state.audit.at(-1)).toEqual({
      action: 'member.removed',
      actorUserId: organization.owner.user.id,
      actorApiKeyId: null,
      targetMembershipId: member.membership.id,
    });
    expect(state.outbox.at(-1)).toEqual({ type: 'member.removed', membershipId: member.membership.id });
  });

  it('revokes only what the member held in this organization', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const key = await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: member.user.id });
    const invitation = await createInvitationRow(t.db, {
      organizationId: organization.id,
      invitedBy: member.user.id,
    });
    const elsewhere = await createOrganization(t.db);
    await addMember(t.db, elsewhere.id, 'admin', member.user);
    const otherKey = await createApiKeyRow(t.db, { organizationId: elsewhere.id, createdBy: member.user.id });
    const otherSession = await createSessionRow(t.db, member.user.id, { activeOrganizationId: elsewhere.id });
    const otherInvitation = await createInvitationRow(t.db, {
      organizationId: elsewhere.id,
      invitedBy: member.user.id,
    });
    const before = await organizationState(t.db, elsewhere.id, [member.user.id]);
    await callerFor(t.db, organization.owner.user).members.remove({
      organizationId: organization.id,
      memberId: member.membership.id,
    });
    expect(await organizationState(t.db, elsewhere.id, [member.user.id])).toEqual(before);
    const after = await organizationState(t.db, organization.id);
    expect(after.memberships[member.membership.id]).toMatchObject({
      status: 'removed',
      removalReason: 'removed',
    });
    // What they held here was revoked, in the same call.
    expect(after.apiKeys[key.id]).toEqual({ revokedReason: 'member_removed' });
    expect(after.invitations[invitation.id]).toMatchObject({ status: 'revoked' });
    expect(after.audit).toEqual([
      {
        action: 'member.removed',
        actorUserId: organization.owner.user.id,
        actorApiKeyId: null,
        targetMembershipId: member.membership.id,
      },
    ]);
    expect(after.outbox).toEqual([{ type: 'member.removed', membershipId: member.membership.id }]);
    expect(before.apiKeys[otherKey.id]?.revokedReason).toBeNull();
    expect(before.sessions[otherSession.id]?.activeOrganizationId).toBe(elsewhere.id);
    expect(before.invitations[otherInvitation.id]?.status).toBe('pending');
  });

  it('an API key actor is named in the audit row and the outbox event', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: ['members:write'],
    });
    await callerFor(t.db, key).members.remove({
      organizationId: organization.id,
      memberId: member.membership.id,
    });
    // A key is no person: the membership names no remover, the audit row names the key.
    const membership = await t.db
      .selectFrom('memberships')
      .select(['status', 'removal_reason', 'removed_by'])
      .where('id', '=', member.membership.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ status: 'removed', removal_reason: 'removed', removed_by: null });
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'member.removed')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      actor_api_key_id: key.id,
      actor_user_id: null,
      target_user_id: member.user.id,
    });
    const event = await t.db
      .selectFrom('outbox_events')
      .select(['type', 'payload', 'webhook_fanout_at'])
      .where('organization_id', '=', organization.id)
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      type: 'member.removed',
      // Not yet handed to the webhook consumer.
      webhook_fanout_at: null,
      payload: {
        membershipId: member.membership.id,
        reason: 'removed',
        actor: { apiKeyId: key.id, userId: null },
      },
    });
  });
});

describe('members.transferOwnership', () => {
  it('makes the target owner and the caller admin; refuses a transfer to yourself or to a non-member', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'viewer');
    const api = callerFor(t.db, organization.owner.user);
    const before = await organizationState(t.db, organization.id);
    expect(
      await reasonOfRefusal(
        api.members.transferOwnership({
          organizationId: organization.id,
          memberId: organization.owner.membership.id,
        }),
      ),
    ).toBe('MEMBER_NOT_FOUND');
    expect(await organizationState(t.db, organization.id)).toEqual(before);
    await api.members.transferOwnership({ organizationId: organization.id, memberId: member.membership.id });
    const roles = await t.db
      .selectFrom('memberships')
      .select(['id', 'role'])
      .where('organization_id', '=', organization.id)
      .execute();
    expect(Object.fromEntries(roles.map((r) => [r.id, r.role]))).toEqual({
      [organization.owner.membership.id]: 'admin',
      [member.membership.id]: 'owner',
    });
    const transferred = await organizationState(t.db, organization.id);
    expect(transferred.audit.slice(before.audit.length)).toEqual([
      {
        action: 'ownership.transferred',
        actorUserId: organization.owner.user.id,
        actorApiKeyId: null,
        targetMembershipId: member.membership.id,
      },
    ]);
    expect(transferred.outbox.slice(before.outbox.length)).toEqual([
      { type: 'ownership.transferred', membershipId: member.membership.id },
    ]);
    // The former owner is an admin now: a second transfer is refused, and changes nothing.
    expect(
      await reasonOfRefusal(
        api.members.transferOwnership({ organizationId: organization.id, memberId: member.membership.id }),
      ),
    ).toBe('INSUFFICIENT_ROLE');
    expect(await organizationState(t.db, organization.id)).toEqual(transferred);
  });
});

describe('organizations', () => {
  it('create makes the caller owner and writes an audit row; a taken slug is SLUG_TAKEN with nothing written', async () => {
    const user = await createUser(t.db);
    const api = callerFor(t.db, user);
    const slug = `acme-${user.id.slice(0, 8)}`;
    const created = await api.organizations.create({ name: 'Acme', slug: slug.toUpperCase() });
    expect(created).toEqual({ id: expect.any(String), slug, name: 'Acme' });
    expect(await api.organizations.listMine()).toEqual([
      {
        id: created.id,
        slug,
        name: 'Acme',
        role: 'owner',
        activeOwnerCount: 1,
        status: 'active',
        deletionDueAt: null,
      },
    ]);
    const state = await organizationState(t.db, created.id);
    expect(Object.values(state.memberships)).toEqual([
      { userId: user.id, role: 'owner', status: 'active', removalReason: null, removedBy: null },
    ]);
    expect(state.outbox).toEqual([{ type: 'member.added', membershipId: Object.keys(state.memberships)[0] }]);
    expect(state.audit).toEqual([
      {
        action: 'organization.created',
        actorUserId: user.id,
        actorApiKeyId: null,
        targetMembershipId: Object.keys(state.memberships)[0],
      },
    ]);
    const count = async () =>
      Number(
        (
          await t.db
            .selectFrom('organizations')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const organizationsBefore = await count();
    const other = await createUser(t.db);
    expect(await reasonOfRefusal(callerFor(t.db, other).organizations.create({ name: 'Other', slug }))).toBe(
      'SLUG_TAKEN',
    );
    expect(await count()).toBe(organizationsBefore);
    expect(await callerFor(t.db, other).organizations.listMine()).toEqual([]);
  });

  it('people only: an API key gets SESSION_REQUIRED for create and listMine; nobody gets UNAUTHENTICATED', async () => {
    const organization = await createOrganization(t.db);
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
    });
    expect(
      await reasonOfRefusal(callerFor(t.db, key).organizations.create({ name: 'K', slug: 'k-org' })),
    ).toBe('SESSION_REQUIRED');
    expect(
      await t.db.selectFrom('organizations').select('id').where('slug', '=', 'k-org').executeTakeFirst(),
    ).toBeUndefined();
    expect(await reasonOfRefusal(callerFor(t.db, key).organizations.listMine())).toBe('SESSION_REQUIRED');
    expect(await reasonOfRefusal(callerFor(t.db, key).invitations.listMine())).toBe('SESSION_REQUIRED');
    expect(await reasonOfRefusal(callerFor(t.db, null).organizations.listMine())).toBe('UNAUTHENTICATED');
    expect(
      await reasonOfRefusal(callerFor(t.db, null).members.list({ organizationId: organization.id })),
    ).toBe('UNAUTHENTICATED');
  });
});
