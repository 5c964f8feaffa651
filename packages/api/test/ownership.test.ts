import type { Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createOrganization } from './factories';
import { organizationState, outcome, reasonOfRefusal, refusalLeavingStateUnchanged } from './state';

/** The two-step ownership transfer: offer, accept, decline, cancel; offers dying with either side; races. */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

async function offersOf(organizationId: string) {
  return t.db
    .selectFrom('ownership_offers')
    .select(['id', 'status', 'target_membership_id', 'offered_by_membership_id', 'resolved_by'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .execute();
}

async function activeRoles(organizationId: string): Promise<Record<string, Role>> {
  const rows = await t.db
    .selectFrom('memberships')
    .select(['id', 'role'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.id, r.role]));
}

async function soleOwnerWithMember(targetRole: Role = 'member') {
  const organization = await createOrganization(t.db);
  const target = await addMember(t.db, organization.id, targetRole);
  return { organization, owner: organization.owner, target };
}

describe('ownership offers', () => {
  it('offer -> accept: the target becomes owner, the offerer admin, in one step with its audit and events', async () => {
    const { organization, owner, target } = await soleOwnerWithMember();
    const ownerApi = callerFor(t.db, owner.user);
    const offer = await ownerApi.members.offerOwnership({
      organizationId: organization.id,
      memberId: target.membership.id,
    });
    expect(offer).toMatchObject({
      organizationId: organization.id,
      offeredBy: owner.membership.id,
      target: target.membership.id,
    });
    // Nothing changes until the target accepts.
    expect(await activeRoles(organization.id)).toEqual({
      [owner.membership.id]: 'owner',
      [target.membership.id]: 'member',
    });
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['kind', 'recipient'])
      .where(sql<boolean>`params->>'offerId' = ${offer.id}`)
      .execute();
    expect(mails).toEqual([{ kind: 'ownership.offered', recipient: target.user.email }]);
    // Owners and the target see it; others do not.
    const other = await addMember(t.db, organization.id, 'admin');
    expect((await ownerApi.members.ownershipOffer({ organizationId: organization.id }))?.forMe).toBe(false);
    expect(
      (await callerFor(t.db, target.user).members.ownershipOffer({ organizationId: organization.id }))?.forMe,
    ).toBe(true);
    expect(
      await callerFor(t.db, other.user).members.ownershipOffer({ organizationId: organization.id }),
    ).toBeNull();
    // Only the target may accept.
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, other.user).members.acceptOwnership({ offerId: offer.id }),
      ),
    ).toBe('OWNERSHIP_OFFER_NOT_FOUND');

    const accepted = await callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id });
    expect(accepted).toMatchObject({ status: 'accepted', owner: { memberId: target.membership.id } });
    expect(await activeRoles(organization.id)).toEqual({
      [owner.membership.id]: 'admin',
      [target.membership.id]: 'owner',
      [other.membership.id]: 'admin',
    });
    expect(await offersOf(organization.id)).toEqual([
      {
        id: offer.id,
        status: 'accepted',
        target_membership_id: target.membership.id,
        offered_by_membership_id: owner.membership.id,
        resolved_by: target.user.id,
      },
    ]);
    const state = await organizationState(t.db, organization.id);
    expect(state.audit.map((a) => a.action)).toEqual(['ownership.offered', 'ownership.transferred']);
    expect(state.outbox.map((e) => e.type)).toEqual(['ownership.offered', 'ownership.transferred']);
    // Accepting twice: the offer is gone.
    expect(
      await reasonOfRefusal(callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id })),
    ).toBe('OWNERSHIP_OFFER_NOT_FOUND');
  });

  it('one pending offer per organization; decline and cancel end it; an expired one cannot be accepted', async () => {
    const { organization, owner, target } = await soleOwnerWithMember();
    const second = await addMember(t.db, organization.id, 'owner');
    const ownerApi = callerFor(t.db, owner.user);
    const offer = await ownerApi.members.offerOwnership({
      organizationId: organization.id,
      memberId: target.membership.id,
    });
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, second.user).members.offerOwnership({
          organizationId: organization.id,
          memberId: target.membership.id,
        }),
      ),
    ).toBe('OWNERSHIP_OFFER_PENDING');
    expect(
      (await ownerApi.organizations.permissions({ organizationId: organization.id })).offerOwnership,
    ).toEqual({
      allowed: false,
      reason: 'OWNERSHIP_OFFER_PENDING',
    });
    await callerFor(t.db, target.user).members.declineOwnership({ offerId: offer.id });
    const again = await ownerApi.members.offerOwnership({
      organizationId: organization.id,
      memberId: target.membership.id,
    });
    await callerFor(t.db, second.user).members.cancelOwnershipOffer({
      organizationId: organization.id,
      offerId: again.id,
    });
    // The entry names the person the offer was for, as the other ownership entries do.
    expect(
      await t.db
        .selectFrom('audit_log')
        .select(['actor_user_id', 'target_user_id', 'target_membership_id', 'metadata'])
        .where('organization_id', '=', organization.id)
        .where('action', '=', 'ownership.offer_cancelled')
        .execute(),
    ).toEqual([
      {
        actor_user_id: second.user.id,
        target_user_id: target.user.id,
        target_membership_id: target.membership.id,
        metadata: { offerId: again.id },
      },
    ]);
    // So the audit log's target filter ("About") finds it, with the target's name.
    const aboutTarget = await ownerApi.auditLog.list({
      organizationId: organization.id,
      targetUserId: target.user.id,
      action: 'ownership.offer_cancelled',
    });
    expect(aboutTarget.items).toEqual([
      expect.objectContaining({
        action: 'ownership.offer_cancelled',
        target: expect.objectContaining({ userId: target.user.id, name: target.user.name }),
      }),
    ]);
    expect(
      await reasonOfRefusal(callerFor(t.db, target.user).members.acceptOwnership({ offerId: again.id })),
    ).toBe('OWNERSHIP_OFFER_NOT_FOUND');
    const third = await ownerApi.members.offerOwnership({
      organizationId: organization.id,
      memberId: target.membership.id,
    });
    await sql`update ownership_offers set expires_at = now() - interval '1 second' where id = ${third.id}`.execute(
      t.db,
    );
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, target.user).members.acceptOwnership({ offerId: third.id }),
      ),
    ).toBe('OWNERSHIP_OFFER_EXPIRED');
    // A lapsed offer does not block a new one.
    await ownerApi.members.offerOwnership({
      organizationId: organization.id,
      memberId: second.membership.id,
    });
    expect((await offersOf(organization.id)).map((o) => o.status)).toEqual([
      'declined',
      'cancelled',
      'expired',
      'pending',
    ]);
    expect((await organizationState(t.db, organization.id)).audit.map((a) => a.action)).toEqual([
      'ownership.offered',
      'ownership.declined',
      'ownership.offered',
      'ownership.offer_cancelled',
      'ownership.offered',
      'ownership.offered',
    ]);
    expect(await activeRoles(organization.id)).toMatchObject({
      [owner.membership.id]: 'owner',
      [target.membership.id]: 'member',
    });
  });

  it('refuses an offer to yourself, to a non-member, by a non-owner, and during a scheduled deletion', async () => {
    const { organization, owner, target } = await soleOwnerWithMember('admin');
    const ownerApi = callerFor(t.db, owner.user);
    const input = { organizationId: organization.id, memberId: target.membership.id };
    const refuse = (call: () => Promise<unknown>) =>
      refusalLeavingStateUnchanged(t.db, organization.id, call);
    expect(
      await refuse(() => ownerApi.members.offerOwnership({ ...input, memberId: owner.membership.id })),
    ).toBe('MEMBER_NOT_FOUND');
    const outsider = await createOrganization(t.db);
    expect(
      await refuse(() =>
        ownerApi.members.offerOwnership({ ...input, memberId: outsider.owner.membership.id }),
      ),
    ).toBe('MEMBER_NOT_FOUND');
    expect(await refuse(() => callerFor(t.db, target.user).members.offerOwnership(input))).toBe(
      'INSUFFICIENT_ROLE',
    );
    const offer = await ownerApi.members.offerOwnership(input);
    await ownerApi.organizations.scheduleDeletion({ organizationId: organization.id });
    expect(
      await refuse(() => callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id })),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
    await ownerApi.organizations.restore({ organizationId: organization.id });
    await callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id });
    expect(await activeRoles(organization.id)).toEqual({
      [owner.membership.id]: 'admin',
      [target.membership.id]: 'owner',
    });
  });

  it('an offer dies when either side leaves, is removed or changes role', async () => {
    const cases: Array<(f: Awaited<ReturnType<typeof setUp>>) => Promise<unknown>> = [
      (f) => callerFor(t.db, f.target.user).members.leave({ organizationId: f.organization.id }),
      (f) =>
        callerFor(t.db, f.owner.user).members.remove({
          organizationId: f.organization.id,
          memberId: f.target.membership.id,
        }),
      (f) =>
        callerFor(t.db, f.owner.user).members.updateRole({
          organizationId: f.organization.id,
          memberId: f.target.membership.id,
          role: 'viewer',
        }),
      (f) => callerFor(t.db, f.owner.user).members.leave({ organizationId: f.organization.id }),
      (f) =>
        callerFor(t.db, f.secondOwner.user).members.updateRole({
          organizationId: f.organization.id,
          memberId: f.owner.membership.id,
          role: 'admin',
        }),
    ];
    async function setUp() {
      const { organization, owner, target } = await soleOwnerWithMember();
      const secondOwner = await addMember(t.db, organization.id, 'owner');
      const offer = await callerFor(t.db, owner.user).members.offerOwnership({
        organizationId: organization.id,
        memberId: target.membership.id,
      });
      return { organization, owner, target, secondOwner, offer };
    }
    for (const change of cases) {
      const f = await setUp();
      await change(f);
      expect((await offersOf(f.organization.id)).map((o) => o.status)).toEqual(['voided']);
      expect(
        await reasonOfRefusal(
          callerFor(t.db, f.target.user).members.acceptOwnership({ offerId: f.offer.id }),
        ),
      ).toMatch(/OWNERSHIP_OFFER_NOT_FOUND|ORGANIZATION_NOT_FOUND/);
    }
  });
});

const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('ownership offer races on PostgreSQL', () => {
  const ROUNDS = 15;

  it('accept while the offerer leaves: one wins, never ownerless, the offer settled once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { organization, owner, target } = await soleOwnerWithMember();
      // A second owner, so the offerer may leave.
      await addMember(t.db, organization.id, 'owner');
      const offer = await callerFor(t.db, owner.user).members.offerOwnership({
        organizationId: organization.id,
        memberId: target.membership.id,
      });
      const [accepted, left] = await Promise.all([
        outcome(callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id })),
        outcome(callerFor(t.db, owner.user).members.leave({ organizationId: organization.id })),
      ]);
      expect(left).toBe('ok');
      const roles = await activeRoles(organization.id);
      expect(Object.values(roles).filter((r) => r === 'owner').length).toBeGreaterThan(0);
      const [settled] = await offersOf(organization.id);
      if (accepted === 'ok') {
        // The accept committed first: then the (now admin) offerer left.
        expect(roles[target.membership.id]).toBe('owner');
        expect(settled!.status).toBe('accepted');
      } else {
        expect(accepted).toBe('OWNERSHIP_OFFER_NOT_FOUND');
        expect(roles[target.membership.id]).toBe('member');
        expect(settled!.status).toBe('voided');
      }
    }
  });

  it('accept while another owner demotes the target: one wins, never ownerless, never two offers', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { organization, owner, target } = await soleOwnerWithMember('admin');
      const other = await addMember(t.db, organization.id, 'owner');
      const offer = await callerFor(t.db, owner.user).members.offerOwnership({
        organizationId: organization.id,
        memberId: target.membership.id,
      });
      const [accepted, demoted, secondOffer] = await Promise.all([
        outcome(callerFor(t.db, target.user).members.acceptOwnership({ offerId: offer.id })),
        outcome(
          callerFor(t.db, other.user).members.updateRole({
            organizationId: organization.id,
            memberId: target.membership.id,
            role: 'member',
          }),
        ),
        outcome(
          callerFor(t.db, other.user).members.offerOwnership({
            organizationId: organization.id,
            memberId: owner.membership.id,
          }),
        ),
      ]);
      expect(demoted).toBe('ok');
      const roles = await activeRoles(organization.id);
      expect(Object.values(roles).filter((r) => r === 'owner').length).toBeGreaterThan(0);
      const offers = await offersOf(organization.id);
      expect(offers.filter((o) => o.status === 'pending').length).toBeLessThanOrEqual(1);
      if (accepted === 'ok') {
        // Accepted first (target owner, offerer admin), then demoted by the other owner.
        expect(roles).toMatchObject({ [target.membership.id]: 'member', [owner.membership.id]: 'admin' });
        expect(offers[0]!.status).toBe('accepted');
      } else {
        expect(accepted).toBe('OWNERSHIP_OFFER_NOT_FOUND');
        expect(roles).toMatchObject({ [target.membership.id]: 'member', [owner.membership.id]: 'owner' });
        expect(offers[0]!.status).toBe('voided');
      }
      // The second offer wins only if the first was already settled.
      expect(['ok', 'OWNERSHIP_OFFER_PENDING', 'MEMBER_NOT_FOUND']).toContain(secondOffer);
    }
  });
});
