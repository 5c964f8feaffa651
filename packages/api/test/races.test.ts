import type { Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createInvitationRow, createOrganization, createUser } from './factories';
import { outcome } from './state';

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

  async function twoOwners() {
    const organization = await createOrganization(t.db);
    const second = await addMember(t.db, organization.id, 'owner');
    return { organization, a: organization.owner, b: second };
  }

  it('two owners of a two-owner organization leave at once, 50 rounds: exactly one owner remains each round', async () => {
    for (let round = 0; round < 50; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await Promise.all([
        outcome(callerFor(t.db, a.user).members.leave({ organizationId: organization.id })),
        outcome(callerFor(t.db, b.user).members.leave({ organizationId: organization.id })),
      ]);
      expect(results.sort()).toEqual(['AT_LEAST_ONE_OWNER_REQUIRED', 'ok']);
      expect(await activeRoles(organization.id)).toEqual(['owner']);
      const audit = await t.db
        .selectFrom('audit_log')
        .select('action')
        .where('organization_id', '=', organization.id)
        .where('action', '=', 'member.left')
        .execute();
      expect(audit).toHaveLength(1);
    }
  });

  it('an owner removes the other owner while that one leaves: one of them wins, one owner remains', async () => {
    for (let round = 0; round < 20; round++) {
      const { organization, a, b } = await twoOwners();
      const [removal, leave] = await Promise.all([
        outcome(
          callerFor(t.db, a.user).members.remove({
            organizationId: organization.id,
            memberId: b.membership.id,
          }),
        ),
        outcome(callerFor(t.db, b.user).members.leave({ organizationId: organization.id })),
      ]);
      // Whoever commits second finds B no longer active.
      expect([removal, leave].sort()).toSatisfy(
        (r: string[]) =>
          (r[0] === 'MEMBER_NOT_FOUND' && r[1] === 'ok') ||
          (r[0] === 'ORGANIZATION_NOT_FOUND' && r[1] === 'ok'),
      );
      expect(await activeRoles(organization.id)).toEqual(['owner']);
      const b2 = await t.db
        .selectFrom('memberships')
        .select(['status', 'removal_reason'])
        .where('id', '=', b.membership.id)
        .executeTakeFirstOrThrow();
      expect(b2.status).toBe('removed');
      expect(b2.removal_reason).toBe(removal === 'ok' ? 'removed' : 'left');
    }
  });

  it('an owner removes the other owner while leaving themselves: never ownerless', async () => {
    for (let round = 0; round < 20; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await Promise.all([
        outcome(
          callerFor(t.db, a.user).members.remove({
            organizationId: organization.id,
            memberId: b.membership.id,
          }),
        ),
        outcome(callerFor(t.db, a.user).members.leave({ organizationId: organization.id })),
      ]);
      expect(results).toContain('ok');
      expect(await activeRoles(organization.id)).toEqual(['owner']);
    }
  });

  it('a demotion racing a leave never leaves the organization without an owner', async () => {
    for (let round = 0; round < 20; round++) {
      // A demotes themselves to admin while B (the other owner) leaves.
      const { organization, a, b } = await twoOwners();
      const [demotion, leave] = await Promise.all([
        outcome(
          callerFor(t.db, a.user).members.updateRole({
            organizationId: organization.id,
            memberId: a.membership.id,
            role: 'admin',
          }),
        ),
        outcome(callerFor(t.db, b.user).members.leave({ organizationId: organization.id })),
      ]);
      expect([demotion, leave].filter((r) => r === 'ok')).toHaveLength(1);
      expect([demotion, leave]).toContain('AT_LEAST_ONE_OWNER_REQUIRED');
      const roles = await activeRoles(organization.id);
      expect(roles.filter((r) => r === 'owner')).toHaveLength(1);

      // A demotes B while B leaves.
      const second = await twoOwners();
      const results = await Promise.all([
        outcome(
          callerFor(t.db, second.a.user).members.updateRole({
            organizationId: second.organization.id,
            memberId: second.b.membership.id,
            role: 'viewer',
          }),
        ),
        outcome(callerFor(t.db, second.b.user).members.leave({ organizationId: second.organization.id })),
      ]);
      expect(results).toContain('ok');
      expect((await activeRoles(second.organization.id)).filter((r) => r === 'owner')).toHaveLength(1);
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
      const [accept, leave] = await Promise.all([
        outcome(callerFor(t.db, invitee).invitations.accept({ invitationId: invitation.id })),
        outcome(callerFor(t.db, sender.user).members.leave({ organizationId: organization.id })),
      ]);
      expect(leave).toBe('ok');
      expect(['ok', 'INVITATION_NOT_FOUND']).toContain(accept);
      const row = await t.db
        .selectFrom('invitations')
        .select('status')
        .where('id', '=', invitation.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe(accept === 'ok' ? 'accepted' : 'revoked');
    }
  });

  it('200 concurrent leaves of distinct members of one organization all succeed, with 200 audit rows', async () => {
    const organization = await createOrganization(t.db);
    const members = [];
    for (let i = 0; i < 200; i++)
      members.push(await addMember(t.db, organization.id, i % 2 ? 'member' : 'viewer'));
    const results = await Promise.all(
      members.map((m) => outcome(callerFor(t.db, m.user).members.leave({ organizationId: organization.id }))),
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
