import type { Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createInvitationRow, createOrganization, createUser } from './factories';
import { organizationState, outcome } from './state';

/**
 * Concurrency: membership changes racing each other on a real PostgreSQL (a pool of 20 connections).
 * PGlite is a single connection that runs transactions one after another, so a race there proves
 * nothing: these tests run only when DATABASE_URL is set.
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) {
  console.log(
    'races.test.ts: skipped on PGlite (single connection); set DATABASE_URL to run the race tests on PostgreSQL',
  );
}

describe.skipIf(!onPostgres)('races on PostgreSQL', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  async function activeRoles(organizationId: string): Promise<Role[]> {
    const rows = await t.db
      .selectFrom('memberships')
      .select('role')
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'active')
      .execute();
    return rows.map((r) => r.role).sort();
  }

  /** Settles all calls at once and answers their outcomes, in order. */
  function race(...calls: Promise<unknown>[]) {
    return Promise.all(calls.map(outcome));
  }

  async function twoOwners() {
    const organization = await createOrganization(t.db);
    const second = await addMember(t.db, organization.id, 'owner');
    return { organization, a: organization.owner, b: second };
  }

  it('two owners of a two-owner organization leave at once, 50 rounds: exactly one owner remains each round', async () => {
    for (let round = 0; round < 50; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await race(
        callerFor(t.db, a.user).members.leave({ organizationId: organization.id }),
        callerFor(t.db, b.user).members.leave({ organizationId: organization.id }),
      );
      expect([...results].sort()).toEqual(['AT_LEAST_ONE_OWNER_REQUIRED', 'ok']);
      expect(await activeRoles(organization.id)).toEqual(['owner']);
      const gone = results[0] === 'ok' ? a : b;
      const state = await organizationState(t.db, organization.id);
      expect(state.memberships[gone.membership.id]).toMatchObject({
        status: 'removed',
        removalReason: 'left',
        removedBy: gone.user.id,
      });
      expect(state.audit.filter((e) => e.action === 'member.left')).toHaveLength(1);
      expect(state.audit).toEqual([
        {
          action: 'member.left',
          actorUserId: gone.user.id,
          actorApiKeyId: null,
          targetMembershipId: gone.membership.id,
        },
      ]);
      expect(state.outbox).toEqual([{ type: 'member.removed', membershipId: gone.membership.id }]);
    }
  });

  it('an owner removes the other owner while that one leaves: one of them wins, one owner remains', async () => {
    for (let round = 0; round < 20; round++) {
      const { organization, a, b } = await twoOwners();
      const [removal, leave] = await race(
        callerFor(t.db, a.user).members.remove({
          organizationId: organization.id,
          memberId: b.membership.id,
        }),
        callerFor(t.db, b.user).members.leave({ organizationId: organization.id }),
      );
      // Whoever commits second finds B no longer active: after the removal, B's leave is refused as an
      // outsider's; after the leave, the removal finds no member B.
      expect([removal, leave].sort()).toSatisfy(
        (r: string[]) =>
          (r[0] === 'MEMBER_NOT_FOUND' && r[1] === 'ok') ||
          (r[0] === 'ORGANIZATION_NOT_FOUND' && r[1] === 'ok'),
      );
      expect(removal === 'ok' ? leave : removal).toBe(
        removal === 'ok' ? 'ORGANIZATION_NOT_FOUND' : 'MEMBER_NOT_FOUND',
      );
      expect(await activeRoles(organization.id)).toEqual(['owner']);
      const state = await organizationState(t.db, organization.id);
      expect(state.memberships[b.membership.id]?.status).toBe('removed');
      expect(state.memberships[b.membership.id]?.removalReason).toBe(removal === 'ok' ? 'removed' : 'left');
      // Only the winner wrote its audit row and event.
      expect(state.audit).toEqual([
        {
          action: removal === 'ok' ? 'member.removed' : 'member.left',
          actorUserId: removal === 'ok' ? a.user.id : b.user.id,
          actorApiKeyId: null,
          targetMembershipId: b.membership.id,
        },
      ]);
      expect(state.outbox).toEqual([{ type: 'member.removed', membershipId: b.membership.id }]);
    }
  });

  it('an owner removes the other owner while leaving themselves: never ownerless', async () => {
    for (let round = 0; round < 20; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await race(
        callerFor(t.db, a.user).members.remove({
          organizationId: organization.id,
          memberId: b.membership.id,
        }),
        callerFor(t.db, a.user).members.leave({ organizationId: organization.id }),
      );
      expect(results).toContain('ok');
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(await activeRoles(organization.id)).toEqual(['owner']);
      // Exactly one membership ended, with one audit row and one event.
      const state = await organizationState(t.db, organization.id);
      const ended = Object.keys(state.memberships).filter(
        (id) => state.memberships[id]?.status === 'removed',
      );
      expect(ended).toHaveLength(1);
      expect(state.audit.map((e) => e.targetMembershipId)).toEqual(ended);
      expect(state.outbox).toEqual([{ type: 'member.removed', membershipId: ended[0] }]);
    }
  });

  it('a demotion racing a leave never leaves the organization without an owner', async () => {
    for (let round = 0; round < 20; round++) {
      // A demotes themselves to admin while B (the other owner) leaves.
      const { organization, a, b } = await twoOwners();
      const [demotion, leave] = await race(
        callerFor(t.db, a.user).members.updateRole({
          organizationId: organization.id,
          memberId: a.membership.id,
          role: 'admin',
        }),
        callerFor(t.db, b.user).members.leave({ organizationId: organization.id }),
      );
      expect([demotion, leave].filter((r) => r === 'ok')).toHaveLength(1);
      expect([demotion, leave]).toContain('AT_LEAST_ONE_OWNER_REQUIRED');
      const roles = await activeRoles(organization.id);
      expect(roles.filter((r) => r === 'owner')).toHaveLength(1);
      // Only the accepted change wrote its audit row.
      expect((await organizationState(t.db, organization.id)).audit.map((e) => e.action)).toEqual([
        demotion === 'ok' ? 'member.role_changed' : 'member.left',
      ]);

      // A demotes B while B leaves.
      const second = await twoOwners();
      const results = await race(
        callerFor(t.db, second.a.user).members.updateRole({
          organizationId: second.organization.id,
          memberId: second.b.membership.id,
          role: 'viewer',
        }),
        callerFor(t.db, second.b.user).members.leave({ organizationId: second.organization.id }),
      );
      expect(results).toContain('ok');
      expect((await activeRoles(second.organization.id)).filter((r) => r === 'owner')).toHaveLength(1);
      // Each change that was accepted wrote one audit row, and nothing else did.
      expect((await organizationState(t.db, second.organization.id)).audit).toHaveLength(
        results.filter((r) => r === 'ok').length,
      );
    }
  });

  it('accepting an invitation while its sender leaves: no deadlock, the invitation is accepted or revoked', async () => {
    for (let round = 0; round < 20; round++) {
      const organization = await createOrganization(t.db);
      const sender = await addMember(t.db, organization.id, 'admin');
      const invitee = await createUser(t.db);
      const invitation = await createInvitationRow(t.db, {
        organizationId: organization.id,
        invitedBy: sender.user.id,
        email: invitee.email,
      });
      const [accept, leave] = await race(
        callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id }),
        callerFor(t.db, sender.user).members.leave({ organizationId: organization.id }),
      );
      expect(leave).toBe('ok');
      expect(['ok', 'INVITATION_NOT_FOUND']).toContain(accept);
      const state = await organizationState(t.db, organization.id);
      expect(state.invitations[invitation.id]?.status).toBe(accept === 'ok' ? 'accepted' : 'revoked');
      expect(state.memberships[sender.membership.id]).toMatchObject({
        status: 'removed',
        removalReason: 'left',
      });
      const joined = Object.values(state.memberships).filter((m) => m.userId === invitee.id);
      expect(joined).toEqual(accept === 'ok' ? [expect.objectContaining({ status: 'active' })] : []);
      expect(state.outbox.map((e) => e.type).sort()).toEqual(
        accept === 'ok' ? ['member.added', 'member.removed'] : ['member.removed'],
      );
    }
  });

  it('200 concurrent leaves of distinct members of one organization all succeed, with 200 audit rows', async () => {
    const organization = await createOrganization(t.db);
    const members = [];
    for (let i = 0; i < 200; i++)
      members.push(await addMember(t.db, organization.id, i % 2 ? 'member' : 'viewer'));
    const results = await race(
      ...members.map((m) => callerFor(t.db, m.user).members.leave({ organizationId: organization.id })),
    );
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
    expect(await activeRoles(organization.id)).toEqual(['owner']);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['target_membership_id'])
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'member.left')
      .execute();
    expect(audit).toHaveLength(200);
    expect(new Set(audit.map((a) => a.target_membership_id))).toEqual(
      new Set(members.map((m) => m.membership.id)),
    );
    const events = await t.db
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organization.id)
      .where('type', '=', 'member.removed')
      .executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(200);
  });
});
