import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../src/context';
import { createCaller } from '../src/router';
import { purgeDueOrganizations } from '../src/services/purge';
import {
  addMember,
  callerFor,
  createApiKeyRow,
  createInvitationRow,
  createOrganization,
  createSessionRow,
  createUser,
  userCaller,
} from './factories';
import { organizationState, reasonOfRefusal, refusalLeavingStateUnchanged } from './state';

/**
 * Deletion with a grace period: scheduleDeletion, restore, export and the purge. Time is never waited
 * for: a grace period "ends" by moving `deletion_due_at` into the past in the database.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** An organization with an owner, an admin and `members` members, each holding a key, a session pointer and an invitation. */
async function populatedOrganization(members = 3) {
  const organization = await createOrganization(t.db);
  const admin = await addMember(t.db, organization.id, 'admin');
  const rest = [];
  for (let i = 0; i < members; i++) rest.push(await addMember(t.db, organization.id, 'member'));
  const everyone = [organization.owner, admin, ...rest];
  for (const m of everyone) {
    await createApiKeyRow(t.db, { organizationId: organization.id, createdBy: m.user.id });
    await createSessionRow(t.db, m.user.id, { activeOrganizationId: organization.id });
    await createInvitationRow(t.db, { organizationId: organization.id, invitedBy: m.user.id });
  }
  return { organization, admin, members: rest, everyone, userIds: everyone.map((m) => m.user.id) };
}

async function endGracePeriod(organizationId: string) {
  await sql`update organizations set deletion_due_at = now() - interval '1 second'
            where id = ${organizationId} and status = 'deletion_scheduled'`.execute(t.db);
}

async function organizationRow(organizationId: string) {
  return t.db
    .selectFrom('organizations')
    .select(['status', 'deletion_scheduled_at', 'deletion_due_at', 'deleted_at', 'slug'])
    .select(sql<number>`extract(epoch from deletion_due_at - deletion_scheduled_at)::int`.as('grace_seconds'))
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
}

async function outboxOf(organizationId: string, type: string) {
  return t.db
    .selectFrom('outbox_events')
    .select(['type', 'payload'])
    .where('organization_id', '=', organizationId)
    .where('type', '=', type)
    .execute();
}

describe('organizations.scheduleDeletion and restore', () => {
  it('schedules for the configured grace period, with an audit entry and an event naming the owners', async () => {
    const { organization } = await populatedOrganization(1);
    const owner = createCaller(
      createContextInner({ db: t.db, caller: userCaller(organization.owner.user), deletionGraceDays: 7 }),
    );
    const answer = await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const row = await organizationRow(organization.id);
    expect(row).toMatchObject({ status: 'deletion_scheduled', deleted_at: null, grace_seconds: 7 * 86_400 });
    expect(answer).toEqual({
      id: organization.id,
      status: 'deletion_scheduled',
      deletionScheduledAt: new Date(row.deletion_scheduled_at!).toISOString(),
      deletionDueAt: new Date(row.deletion_due_at!).toISOString(),
    });
    const events = await outboxOf(organization.id, 'organization.deletion_scheduled');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      organizationId: organization.id,
      deletionDueAt: answer.deletionDueAt,
      ownerUserIds: [organization.owner.user.id],
    });
    // Every owner is mailed (one queued mail each, in the transaction of the change).
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['kind', 'recipient', 'params'])
      .where(sql<boolean>`params->>'organizationId' = ${organization.id}`)
      .execute();
    expect(mails).toEqual([
      {
        kind: 'organization.deletion_scheduled',
        recipient: organization.owner.user.email,
        params: { organizationId: organization.id, userId: organization.owner.user.id },
      },
    ]);
    // Idempotent: scheduling again changes nothing.
    const before = await organizationState(t.db, organization.id);
    expect(await owner.organizations.scheduleDeletion({ organizationId: organization.id })).toEqual(answer);
    expect(await organizationState(t.db, organization.id)).toEqual(before);
  });

  it('defaults to 30 days', async () => {
    const organization = await createOrganization(t.db);
    await callerFor(t.db, organization.owner.user).organizations.scheduleDeletion({
      organizationId: organization.id,
    });
    expect((await organizationRow(organization.id)).grace_seconds).toBe(30 * 86_400);
  });

  it('while scheduled: leaving, role changes, invitations and accepts are refused; removals by owners, admins and keys work', async () => {
    const { organization, admin, members, userIds } = await populatedOrganization(3);
    const owner = callerFor(t.db, organization.owner.user);
    const invitee = await createUser(t.db);
    const invitation = await createInvitationRow(t.db, {
      organizationId: organization.id,
      invitedBy: organization.owner.user.id,
      email: invitee.email,
    });
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const refusals = [
      () => callerFor(t.db, members[0]!.user).members.leave({ organizationId: organization.id }),
      () => callerFor(t.db, admin.user).members.leave({ organizationId: organization.id }),
      () =>
        callerFor(t.db, members[0]!.user).members.remove({
          organizationId: organization.id,
          memberId: members[0]!.membership.id,
        }),
      () =>
        owner.members.updateRole({
          organizationId: organization.id,
          memberId: admin.membership.id,
          role: 'member',
        }),
      () =>
        owner.invitations.create({
          organizationId: organization.id,
          email: 'new@example.test',
          role: 'member',
        }),
      () => callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id }),
      () =>
        owner.members.transferOwnership({ organizationId: organization.id, memberId: admin.membership.id }),
    ];
    for (const call of refusals) {
      expect(await refusalLeavingStateUnchanged(t.db, organization.id, call, userIds)).toBe(
        'ORGANIZATION_DELETION_SCHEDULED',
      );
    }
    // Cutting access is never blocked.
    await owner.members.remove({ organizationId: organization.id, memberId: members[0]!.membership.id });
    await callerFor(t.db, admin.user).members.remove({
      organizationId: organization.id,
      memberId: members[1]!.membership.id,
    });
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: ['members:write'],
    });
    await callerFor(t.db, key).members.remove({
      organizationId: organization.id,
      memberId: members[2]!.membership.id,
    });
    const state = await organizationState(t.db, organization.id, userIds);
    for (const m of members) {
      expect(state.memberships[m.membership.id]).toMatchObject({
        status: 'removed',
        removalReason: 'removed',
      });
    }
    expect(state.audit.filter((a) => a.action === 'member.removed')).toHaveLength(3);
  });

  it('restore cancels the deletion; the purge then never touches the organization', async () => {
    const { organization, userIds } = await populatedOrganization(2);
    const owner = callerFor(t.db, organization.owner.user);
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    expect(await owner.organizations.restore({ organizationId: organization.id })).toEqual({
      id: organization.id,
      status: 'active',
    });
    expect(await organizationRow(organization.id)).toMatchObject({
      status: 'active',
      deletion_scheduled_at: null,
      deletion_due_at: null,
    });
    expect(await outboxOf(organization.id, 'organization.restored')).toHaveLength(1);
    const before = await organizationState(t.db, organization.id, userIds);
    expect(before.audit.map((a) => a.action)).toContain('organization.restored');
    // Restoring an active organization changes nothing; the purge finds nothing, now or later.
    await owner.organizations.restore({ organizationId: organization.id });
    await endGracePeriod(organization.id);
    await purgeDueOrganizations(t.db, { batchSize: 1 });
    expect(await organizationState(t.db, organization.id, userIds)).toEqual(before);
    // Members can leave again.
    const member = callerFor(t.db, (await addMember(t.db, organization.id, 'member')).user);
    await member.members.leave({ organizationId: organization.id });
  });

  it('restore is for owners, and too late once the grace period is over', async () => {
    const { organization, admin, userIds } = await populatedOrganization(1);
    const owner = callerFor(t.db, organization.owner.user);
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    expect(
      await refusalLeavingStateUnchanged(
        t.db,
        organization.id,
        () => callerFor(t.db, admin.user).organizations.restore({ organizationId: organization.id }),
        userIds,
      ),
    ).toBe('INSUFFICIENT_ROLE');
    await endGracePeriod(organization.id);
    expect(
      await refusalLeavingStateUnchanged(
        t.db,
        organization.id,
        () => owner.organizations.restore({ organizationId: organization.id }),
        userIds,
      ),
    ).toBe('DELETION_GRACE_PERIOD_OVER');
  });
});

describe('the purge', () => {
  it('does nothing while the grace period is not over', async () => {
    const { organization, userIds } = await populatedOrganization(2);
    await callerFor(t.db, organization.owner.user).organizations.scheduleDeletion({
      organizationId: organization.id,
    });
    const before = await organizationState(t.db, organization.id, userIds);
    const result = await purgeDueOrganizations(t.db, { batchSize: 2 });
    expect(result.deleted.map((d) => d.organizationId)).not.toContain(organization.id);
    expect(await organizationState(t.db, organization.id, userIds)).toEqual(before);
  });

  it('after the grace period ends every membership, batch by batch, revokes everything once, and frees the slug', async () => {
    const { organization, everyone, userIds } = await populatedOrganization(3);
    const owner = callerFor(t.db, organization.owner.user);
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const before = await organizationState(t.db, organization.id, userIds);
    await endGracePeriod(organization.id);
    // Five memberships, two per transaction: three batches, the last one finishing the deletion.
    let rounds = 0;
    const deleted = [];
    for (;;) {
      const result = await purgeDueOrganizations(t.db, { batchSize: 2, maxBatches: 1 });
      if (result.batches === 0) break;
      rounds += 1;
      deleted.push(...result.deleted.filter((d) => d.organizationId === organization.id));
      if (rounds > 20) throw new Error('the purge does not finish');
    }
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(deleted).toEqual([
      { organizationId: organization.id, memberships: 5, apiKeys: 5, invitations: 5 },
    ]);

    const after = await organizationState(t.db, organization.id, userIds);
    const expected = structuredClone(before);
    expected.organization.status = 'deleted';
    for (const m of everyone) {
      expected.memberships[m.membership.id] = {
        ...before.memberships[m.membership.id]!,
        status: 'removed',
        removalReason: 'organization_deleted',
        removedBy: null,
      };
    }
    for (const id of Object.keys(before.apiKeys))
      expected.apiKeys[id] = { revokedReason: 'organization_deleted' };
    for (const id of Object.keys(before.invitations)) {
      expected.invitations[id] = { ...before.invitations[id]!, status: 'revoked', revokedBy: null };
    }
    for (const id of Object.keys(before.sessions)) expected.sessions[id] = { activeOrganizationId: null };
    expected.audit.push({
      action: 'organization.deleted',
      actorUserId: null,
      actorApiKeyId: null,
      targetMembershipId: null,
    });
    expected.outbox.push({ type: 'organization.deleted', membershipId: undefined });
    expect(after).toEqual(expected);
    expect(await organizationRow(organization.id)).toMatchObject({ status: 'deleted' });

    // Idempotent: nothing more to do.
    expect((await purgeDueOrganizations(t.db)).deleted.map((d) => d.organizationId)).not.toContain(
      organization.id,
    );
    expect(await organizationState(t.db, organization.id, userIds)).toEqual(after);
    // Access has ended; the export is gone with it; the slug is free.
    expect(await reasonOfRefusal(owner.organizations.export({ organizationId: organization.id }))).toBe(
      'ORGANIZATION_NOT_FOUND',
    );
    expect(await reasonOfRefusal(owner.organizations.bySlug({ slug: organization.slug }))).toBe(
      'ORGANIZATION_NOT_FOUND',
    );
    const again = await owner.organizations.create({ name: 'Again', slug: organization.slug });
    expect(again.slug).toBe(organization.slug);
    expect((await owner.organizations.bySlug({ slug: organization.slug })).id).toBe(again.id);
  });

  it('two workers racing purge every due organization exactly once', async () => {
    const organizations = [];
    for (let i = 0; i < 3; i++) {
      const { organization, userIds } = await populatedOrganization(2);
      await callerFor(t.db, organization.owner.user).organizations.scheduleDeletion({
        organizationId: organization.id,
      });
      await endGracePeriod(organization.id);
      organizations.push({ organization, userIds });
    }
    const [a, b] = await Promise.all([
      purgeDueOrganizations(t.db, { batchSize: 1 }),
      purgeDueOrganizations(t.db, { batchSize: 1 }),
    ]);
    const ids = organizations.map((o) => o.organization.id);
    const deleted = [...a.deleted, ...b.deleted]
      .map((d) => d.organizationId)
      .filter((id) => ids.includes(id));
    expect(deleted.sort()).toEqual([...ids].sort());
    for (const { organization, userIds } of organizations) {
      const state = await organizationState(t.db, organization.id, userIds);
      expect(state.organization.status).toBe('deleted');
      expect(Object.values(state.memberships).every((m) => m.removalReason === 'organization_deleted')).toBe(
        true,
      );
      expect(state.audit.filter((x) => x.action === 'organization.deleted')).toHaveLength(1);
      expect(state.outbox.filter((x) => x.type === 'organization.deleted')).toHaveLength(1);
    }
  });
});

describe('organizations.export', () => {
  it('gives owners every membership, invitation and audit entry, also while deletion is scheduled', async () => {
    const { organization, admin, members } = await populatedOrganization(2);
    const owner = callerFor(t.db, organization.owner.user);
    await owner.members.remove({ organizationId: organization.id, memberId: members[0]!.membership.id });
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const data = await owner.organizations.export({ organizationId: organization.id });
    expect(data.organization).toMatchObject({ id: organization.id, status: 'deletion_scheduled' });
    // Joining order; rows created within one timestamp tie-break by id, so compare as a set.
    expect(new Map(data.members.map((m) => [m.id, m.status]))).toEqual(
      new Map([
        [organization.owner.membership.id, 'active'],
        [admin.membership.id, 'active'],
        [members[0]!.membership.id, 'removed'],
        [members[1]!.membership.id, 'active'],
      ]),
    );
    expect(data.invitations).toHaveLength(4);
    expect(data.auditLog.map((a) => a.action)).toEqual(['member.removed', 'organization.deletion_scheduled']);
    expect(JSON.stringify(data)).not.toMatch(/secret|token_hash|rst_/);
    expect(
      await reasonOfRefusal(
        callerFor(t.db, admin.user).organizations.export({ organizationId: organization.id }),
      ),
    ).toBe('INSUFFICIENT_ROLE');
  });
});

describe('organizations.permissions while scheduled', () => {
  it('says why not', async () => {
    const { organization } = await populatedOrganization(1);
    const owner = callerFor(t.db, organization.owner.user);
    await owner.organizations.scheduleDeletion({ organizationId: organization.id });
    const permissions = await owner.organizations.permissions({ organizationId: organization.id });
    expect(permissions.leave).toEqual({ allowed: false, reason: 'ORGANIZATION_DELETION_SCHEDULED' });
    expect(permissions.remove.member).toEqual({ allowed: true });
    expect(permissions.restore).toEqual({ allowed: true });
    expect(permissions.invite.member).toEqual({ allowed: false, reason: 'ORGANIZATION_DELETION_SCHEDULED' });
    await endGracePeriod(organization.id);
    expect((await owner.organizations.permissions({ organizationId: organization.id })).restore).toEqual({
      allowed: false,
      reason: 'DELETION_GRACE_PERIOD_OVER',
    });
    expect(DAY_MS).toBeGreaterThan(0);
  });
});
