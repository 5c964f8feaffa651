import type { Role } from '@roster/db';
import { describe, expect, it } from 'vitest';
import { createKey, DB_KIND, useIdentityServer } from '../identity/helpers';
import {
  auditActions,
  expectDocumented,
  expectProblem,
  organizationWithPeople,
  type RestAuth,
  restClient,
} from './helpers';

/**
 * The lifecycle routes of `/v1` (renaming, scheduled deletion, restore, export, the two-step ownership
 * transfer), called over HTTP with a session cookie, as people only may: every answer is checked against
 * the served OpenAPI document, the database after each change, and one refusal per route with its
 * documented status.
 */

const s = useIdentityServer();
const rest = (auth: RestAuth = {}) => restClient(s.base, auth);
const organizationOf = (roles: Role[]) => organizationWithPeople(s, roles);
const DAY_MS = 24 * 60 * 60 * 1000;

async function organizationRow(id: string) {
  return s.db
    .selectFrom('organizations')
    .select(['name', 'slug', 'status', 'deletion_scheduled_at', 'deletion_due_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function offerRow(id: string) {
  return s.db
    .selectFrom('ownership_offers')
    .select(['status', 'organization_id', 'offered_by_membership_id', 'target_membership_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function rolesOf(organizationId: string) {
  const rows = await s.db
    .selectFrom('memberships')
    .select(['id', 'role'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.id, row.role]));
}

describe(`REST /v1 organization lifecycle (${DB_KIND})`, () => {
  it('renames with PATCH and refuses a taken slug with 409, changing nothing', async () => {
    const org = await organizationOf(['owner', 'admin']);
    const other = await organizationOf(['owner']);
    const client = rest({ cookie: org.members[1]!.cookie });
    const slug = `renamed-${org.id.slice(0, 8)}`;
    const renamed = await client.PATCH('/organizations/{organizationId}', {
      params: { path: { organizationId: org.id } },
      body: { name: 'Renamed over REST', slug },
    });
    expect(renamed.response.status).toBe(200);
    await expectDocumented(s.base, 'PATCH /organizations/{organizationId}', renamed);
    expect(renamed.data).toEqual({ id: org.id, slug, name: 'Renamed over REST' });
    expect(await organizationRow(org.id)).toMatchObject({ name: 'Renamed over REST', slug });
    const audit = await s.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'metadata'])
      .where('organization_id', '=', org.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'organization.updated',
        actor_user_id: org.members[1]!.user.id,
        metadata: {
          changes: {
            name: { from: expect.any(String), to: 'Renamed over REST' },
            slug: { from: org.slug, to: slug },
          },
        },
      },
    ]);

    const taken = await client.PATCH('/organizations/{organizationId}', {
      params: { path: { organizationId: org.id } },
      body: { slug: other.slug },
    });
    expectProblem(taken.response, taken.error, 409, 'SLUG_TAKEN');
    await expectDocumented(s.base, 'PATCH /organizations/{organizationId}', taken);
    expect(await organizationRow(org.id)).toMatchObject({ name: 'Renamed over REST', slug });
  });

  it('schedules the deletion with DELETE, exports during the grace period, restores; refuses each once', async () => {
    const org = await organizationOf(['owner', 'admin', 'member']);
    const [owner, admin] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const client = rest({ cookie: owner.cookie });
    const path = { organizationId: org.id };

    const byAdmin = await rest({ cookie: admin.cookie }).DELETE('/organizations/{organizationId}', {
      params: { path },
    });
    expectProblem(byAdmin.response, byAdmin.error, 403, 'INSUFFICIENT_ROLE');
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}', byAdmin);
    expect(await organizationRow(org.id)).toMatchObject({ status: 'active', deletion_due_at: null });

    const before = Date.now();
    const scheduled = await client.DELETE('/organizations/{organizationId}', { params: { path } });
    expect(scheduled.response.status).toBe(200);
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}', scheduled);
    expect(scheduled.data).toMatchObject({ id: org.id, status: 'deletion_scheduled' });
    // Thirty days of grace by default (give or take the clocks of the database and this process).
    const dueIn = Date.parse(scheduled.data!.deletionDueAt!) - before;
    expect(dueIn).toBeGreaterThan(29 * DAY_MS);
    expect(dueIn).toBeLessThan(31 * DAY_MS);
    const row = await organizationRow(org.id);
    expect(row.status).toBe('deletion_scheduled');
    expect(row.deletion_due_at?.toISOString()).toBe(scheduled.data!.deletionDueAt);
    expect(row.deletion_scheduled_at?.toISOString()).toBe(scheduled.data!.deletionScheduledAt);

    // The export: people only (a key is refused), then everything, from the database's own rows.
    const key = await createKey(s.base, admin.cookie, org.id, ['members:read']);
    const byKey = await rest({ apiKey: key.key }).GET('/organizations/{organizationId}/export', {
      params: { path },
    });
    expectProblem(byKey.response, byKey.error, 403, 'SESSION_REQUIRED');
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/export', byKey);
    const exported = await client.GET('/organizations/{organizationId}/export', { params: { path } });
    expect(exported.response.status).toBe(200);
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/export', exported);
    expect(exported.data?.organization).toMatchObject({
      id: org.id,
      status: 'deletion_scheduled',
      deletionDueAt: scheduled.data!.deletionDueAt,
    });
    expect(exported.data?.members.map((m) => [m.id, m.role, m.status]).sort()).toEqual(
      org.members.map((m) => [m.membershipId, m.role, 'active']).sort(),
    );
    const auditIds = await s.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', org.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(exported.data?.auditLog.map((entry) => entry.id)).toEqual(auditIds.map((entry) => entry.id));
    expect(exported.data?.auditLog.map((entry) => entry.action)).toEqual([
      'organization.deletion_scheduled',
      'api_key.created',
    ]);
    expect(JSON.stringify(exported.data)).not.toContain(key.key);

    const restored = await client.POST('/organizations/{organizationId}/restore', { params: { path } });
    expect(restored.response.status).toBe(200);
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/restore', restored);
    expect(restored.data).toEqual({ id: org.id, status: 'active' });
    expect(await organizationRow(org.id)).toMatchObject({
      status: 'active',
      deletion_scheduled_at: null,
      deletion_due_at: null,
    });

    // Scheduled again, and the grace period over: too late to restore.
    expect(
      (await client.DELETE('/organizations/{organizationId}', { params: { path } })).response.status,
    ).toBe(200);
    await s.db
      .updateTable('organizations')
      .set({ deletion_due_at: new Date(Date.now() - 60_000) })
      .where('id', '=', org.id)
      .execute();
    const late = await client.POST('/organizations/{organizationId}/restore', { params: { path } });
    expectProblem(late.response, late.error, 410, 'DELETION_GRACE_PERIOD_OVER');
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/restore', late);
    expect((await organizationRow(org.id)).status).toBe('deletion_scheduled');
    expect(await auditActions(s, org.id)).toEqual([
      'organization.deletion_scheduled',
      'api_key.created',
      'organization.restored',
      'organization.deletion_scheduled',
    ]);
  });
});

describe(`REST /v1 ownership offers (${DB_KIND})`, () => {
  it('offers, shows the offer to its target only, declines, offers again, withdraws, offers again, accepts', async () => {
    const org = await organizationOf(['owner', 'admin', 'member']);
    const [owner, admin, member] = org.members as [
      (typeof org.members)[0],
      (typeof org.members)[0],
      (typeof org.members)[0],
    ];
    const asOwner = rest({ cookie: owner.cookie });
    const asAdmin = rest({ cookie: admin.cookie });
    const path = { organizationId: org.id };
    const offer = async () => {
      const answer = await asOwner.POST('/organizations/{organizationId}/ownership-offers', {
        params: { path },
        body: { memberId: admin.membershipId },
      });
      expect(answer.response.status).toBe(200);
      await expectDocumented(s.base, 'POST /organizations/{organizationId}/ownership-offers', answer);
      return answer.data!;
    };

    const first = await offer();
    expect(first).toMatchObject({
      organizationId: org.id,
      offeredBy: owner.membershipId,
      target: admin.membershipId,
    });
    expect(await offerRow(first.id)).toEqual({
      status: 'pending',
      organization_id: org.id,
      offered_by_membership_id: owner.membershipId,
      target_membership_id: admin.membershipId,
    });
    const again = await asOwner.POST('/organizations/{organizationId}/ownership-offers', {
      params: { path },
      body: { memberId: member.membershipId },
    });
    expectProblem(again.response, again.error, 409, 'OWNERSHIP_OFFER_PENDING');
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/ownership-offers', again);

    const seenByTarget = await asAdmin.GET('/organizations/{organizationId}/ownership-offer', {
      params: { path },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/ownership-offer', seenByTarget);
    expect(seenByTarget.data).toMatchObject({
      id: first.id,
      forMe: true,
      offeredBy: { memberId: owner.membershipId, userId: owner.user.id },
      target: { memberId: admin.membershipId, userId: admin.user.id, role: 'admin' },
      expiresAt: first.expiresAt,
    });
    const seenByMember = await rest({ cookie: member.cookie }).GET(
      '/organizations/{organizationId}/ownership-offer',
      { params: { path } },
    );
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/ownership-offer', seenByMember);
    expect(seenByMember.response.status).toBe(200);
    expect(seenByMember.data).toBeNull();

    // Only the target answers: anyone else is told there is no such offer.
    const byOther = await rest({ cookie: member.cookie }).POST('/ownership-offers/{offerId}/decline', {
      params: { path: { offerId: first.id } },
    });
    expectProblem(byOther.response, byOther.error, 404, 'OWNERSHIP_OFFER_NOT_FOUND');
    await expectDocumented(s.base, 'POST /ownership-offers/{offerId}/decline', byOther);
    const declined = await asAdmin.POST('/ownership-offers/{offerId}/decline', {
      params: { path: { offerId: first.id } },
    });
    expect(declined.response.status).toBe(200);
    await expectDocumented(s.base, 'POST /ownership-offers/{offerId}/decline', declined);
    expect(declined.data).toEqual({ offerId: first.id, status: 'declined', organizationId: org.id });
    expect((await offerRow(first.id)).status).toBe('declined');

    const second = await offer();
    const cancelled = await asOwner.DELETE('/organizations/{organizationId}/ownership-offers/{offerId}', {
      params: { path: { ...path, offerId: second.id } },
    });
    expect(cancelled.response.status).toBe(200);
    await expectDocumented(
      s.base,
      'DELETE /organizations/{organizationId}/ownership-offers/{offerId}',
      cancelled,
    );
    expect(cancelled.data).toEqual({ offerId: second.id, status: 'cancelled' });
    expect((await offerRow(second.id)).status).toBe('cancelled');
    const cancelledAgain = await asOwner.DELETE(
      '/organizations/{organizationId}/ownership-offers/{offerId}',
      {
        params: { path: { ...path, offerId: second.id } },
      },
    );
    expectProblem(cancelledAgain.response, cancelledAgain.error, 404, 'OWNERSHIP_OFFER_NOT_FOUND');
    await expectDocumented(
      s.base,
      'DELETE /organizations/{organizationId}/ownership-offers/{offerId}',
      cancelledAgain,
    );
    const none = await asOwner.GET('/organizations/{organizationId}/ownership-offer', { params: { path } });
    expect(none.data).toBeNull();

    const third = await offer();
    expect(await rolesOf(org.id)).toEqual({
      [owner.membershipId]: 'owner',
      [admin.membershipId]: 'admin',
      [member.membershipId]: 'member',
    });
    const accepted = await asAdmin.POST('/ownership-offers/{offerId}/accept', {
      params: { path: { offerId: third.id } },
    });
    expect(accepted.response.status).toBe(200);
    await expectDocumented(s.base, 'POST /ownership-offers/{offerId}/accept', accepted);
    expect(accepted.data).toEqual({
      offerId: third.id,
      status: 'accepted',
      organizationId: org.id,
      owner: { memberId: admin.membershipId, userId: admin.user.id, role: 'owner' },
      previousOwner: { memberId: owner.membershipId, userId: owner.user.id, role: 'admin' },
    });
    expect((await offerRow(third.id)).status).toBe('accepted');
    expect(await rolesOf(org.id)).toEqual({
      [owner.membershipId]: 'admin',
      [admin.membershipId]: 'owner',
      [member.membershipId]: 'member',
    });
    expect(await auditActions(s, org.id)).toEqual([
      'ownership.offered',
      'ownership.declined',
      'ownership.offered',
      'ownership.offer_cancelled',
      'ownership.offered',
      'ownership.transferred',
    ]);
  });

  it('refuses an expired offer with 410 and a key asking for the offer with 403, changing nothing', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const made = await rest({ cookie: owner.cookie }).POST(
      '/organizations/{organizationId}/ownership-offers',
      {
        params: { path: { organizationId: org.id } },
        body: { memberId: member.membershipId },
      },
    );
    const offerId = made.data!.id;
    await s.db
      .updateTable('ownership_offers')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('id', '=', offerId)
      .execute();
    const late = await rest({ cookie: member.cookie }).POST('/ownership-offers/{offerId}/accept', {
      params: { path: { offerId } },
    });
    expectProblem(late.response, late.error, 410, 'OWNERSHIP_OFFER_EXPIRED');
    await expectDocumented(s.base, 'POST /ownership-offers/{offerId}/accept', late);
    expect((await offerRow(offerId)).status).toBe('pending');
    expect(await rolesOf(org.id)).toEqual({ [owner.membershipId]: 'owner', [member.membershipId]: 'member' });

    const key = await createKey(s.base, owner.cookie, org.id, ['members:read', 'members:write']);
    const byKey = await rest({ apiKey: key.key }).GET('/organizations/{organizationId}/ownership-offer', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(byKey.response, byKey.error, 403, 'SESSION_REQUIRED');
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/ownership-offer', byKey);
  });
});
