import type { ApiKeyScope } from '@roster/api';
import type { Role } from '@roster/db';
import { describe, expect, it } from 'vitest';
import {
  createKey,
  DB_KIND,
  membershipStatus,
  mutate,
  query,
  seedOrganization,
  signUp,
  startIdentityServer,
  useIdentityServer,
} from '../identity/helpers';
import { expectProblem, organizationWithPeople, type RestAuth, restClient } from './helpers';

const s = useIdentityServer();
const rest = (auth: RestAuth = {}, base = s.base) => restClient(base, auth);
const organizationOf = (roles: Role[]) => organizationWithPeople(s, roles);

async function keyFor(cookie: string, organizationId: string, scopes: ApiKeyScope[]) {
  return (await createKey(s.base, cookie, organizationId, scopes)).key;
}

async function membershipRow(id: string) {
  return s.db
    .selectFrom('memberships')
    .select(['status', 'removal_reason', 'removed_by'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe(`REST /v1 driven by a generated client (openapi-fetch, ${DB_KIND})`, () => {
  it('leaves: DELETE .../members/me answers where to go next; the membership ends in the database', async () => {
    const org = await organizationOf(['owner', 'member']);
    const member = org.members[1]!;
    const { data, response } = await rest({ cookie: member.cookie }).DELETE(
      '/organizations/{organizationId}/members/me',
      { params: { path: { organizationId: org.id } } },
    );
    expect(response.status).toBe(200);
    expect(data).toEqual({ organizationId: org.id, nextOrganization: null });
    expect(await membershipRow(member.membershipId)).toMatchObject({
      status: 'removed',
      removal_reason: 'left',
    });
    // Their next call to the organization: gone, as on /trpc.
    const after = await rest({ cookie: member.cookie }).GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(after.response, after.error, 404, 'ORGANIZATION_NOT_FOUND');
  });

  it('refuses the last owner’s leave with a 409 problem, changing nothing', async () => {
    const org = await organizationOf(['owner', 'member']);
    const owner = org.members[0]!;
    const { error, response } = await rest({ cookie: owner.cookie }).DELETE(
      '/organizations/{organizationId}/members/me',
      { params: { path: { organizationId: org.id } } },
    );
    const problem = expectProblem(response, error, 409, 'AT_LEAST_ONE_OWNER_REQUIRED');
    expect(problem.title).toBe('At least one owner required');
    expect(problem.detail.length).toBeGreaterThan(0);
    expect(await membershipStatus(s.db, owner.membershipId)).toBe('active');
  });

  it('removes with 204 and no body; the database has the removal, its audit row, and the revoked key', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    // The member holds a key; keepApiKeys=false (spelled out) must revoke it.
    await s.db
      .updateTable('memberships')
      .set({ role: 'admin' })
      .where('id', '=', member.membershipId)
      .execute();
    const memberKey = await createKey(s.base, member.cookie, org.id, ['members:read']);
    const { response, data } = await rest({ cookie: owner.cookie }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      {
        params: {
          path: { organizationId: org.id, memberId: member.membershipId },
          query: { keepApiKeys: false },
        },
      },
    );
    expect(response.status).toBe(204);
    expect(data).toBeUndefined();
    expect(await response.text()).toBe('');
    expect(await membershipRow(member.membershipId)).toEqual({
      status: 'removed',
      removal_reason: 'removed',
      removed_by: owner.user.id,
    });
    const audit = await s.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'target_membership_id'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'member.removed')
      .execute();
    expect(audit).toEqual([
      { action: 'member.removed', actor_user_id: owner.user.id, target_membership_id: member.membershipId },
    ]);
    const key = await s.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', memberKey.id)
      .executeTakeFirstOrThrow();
    expect(key.revoked_at).not.toBeNull();
  });

  it('keeps the member’s keys with keepApiKeys=true, and /trpc still refuses the string "true"', async () => {
    const org = await organizationOf(['owner', 'admin']);
    const [owner, admin] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const adminKey = await createKey(s.base, admin.cookie, org.id, ['members:read']);
    // /trpc takes JSON: a string where a boolean belongs is bad input, before and after REST calls.
    const loose = await mutate(
      s.base,
      'members.remove',
      { organizationId: org.id, memberId: admin.membershipId, keepApiKeys: 'true' },
      { cookie: owner.cookie },
    );
    expect(loose.reason).toBe('VALIDATION_FAILED');
    const { response } = await rest({ cookie: owner.cookie }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      {
        params: {
          path: { organizationId: org.id, memberId: admin.membershipId },
          query: { keepApiKeys: true },
        },
      },
    );
    expect(response.status).toBe(204);
    expect(await membershipStatus(s.db, admin.membershipId)).toBe('removed');
    const key = await s.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', adminKey.id)
      .executeTakeFirstOrThrow();
    expect(key.revoked_at).toBeNull();
  });

  it('answers 410 while the organization is scheduled for deletion, changing nothing', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const scheduled = await mutate(
      s.base,
      'organizations.scheduleDeletion',
      { organizationId: org.id },
      { cookie: owner.cookie },
    );
    expect(scheduled.status).toBe(200);
    const { error, response } = await rest({ cookie: member.cookie }).DELETE(
      '/organizations/{organizationId}/members/me',
      { params: { path: { organizationId: org.id } } },
    );
    expectProblem(response, error, 410, 'ORGANIZATION_DELETION_SCHEDULED');
    expect(await membershipStatus(s.db, member.membershipId)).toBe('active');
  });

  it('answers 404 across organizations, for a person and for an API key, changing nothing', async () => {
    const mine = await organizationOf(['owner']);
    const theirs = await organizationOf(['owner', 'member']);
    const victim = theirs.members[1]!;
    const asOutsider = await rest({ cookie: mine.members[0]!.cookie }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      { params: { path: { organizationId: theirs.id, memberId: victim.membershipId } } },
    );
    expectProblem(asOutsider.response, asOutsider.error, 404, 'ORGANIZATION_NOT_FOUND');
    const myKey = await keyFor(mine.members[0]!.cookie, mine.id, ['members:read', 'members:write']);
    const asKey = await rest({ apiKey: myKey }).GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: theirs.id } },
    });
    expectProblem(asKey.response, asKey.error, 404, 'ORGANIZATION_NOT_FOUND');
    // A member id of another organization, in mine: MEMBER_NOT_FOUND.
    const foreignMember = await rest({ apiKey: myKey }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      { params: { path: { organizationId: mine.id, memberId: victim.membershipId } } },
    );
    expectProblem(foreignMember.response, foreignMember.error, 404, 'MEMBER_NOT_FOUND');
    expect(await membershipStatus(s.db, victim.membershipId)).toBe('active');
  });

  it('authenticates API keys as Bearer and as X-API-Key; a mistyped key is 401 INVALID_API_KEY either way', async () => {
    const org = await organizationOf(['owner', 'member']);
    const key = await keyFor(org.members[0]!.cookie, org.id, ['members:read']);
    for (const auth of [{ apiKey: key }, { xApiKey: key }]) {
      const { data, response } = await rest(auth).GET('/organizations/{organizationId}/members', {
        params: { path: { organizationId: org.id }, query: { limit: 1 } },
      });
      expect(response.status).toBe(200);
      expect(data?.items).toHaveLength(1);
      expect(data?.nextCursor).toEqual(expect.any(String));
    }
    const mistyped = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
    for (const auth of [{ apiKey: mistyped }, { xApiKey: mistyped }]) {
      const { error, response } = await rest(auth).GET('/organizations/{organizationId}/members', {
        params: { path: { organizationId: org.id } },
      });
      expectProblem(response, error, 401, 'INVALID_API_KEY');
    }
    const anonymous = await rest().GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(anonymous.response, anonymous.error, 401, 'UNAUTHENTICATED');
  });

  it('answers 403 INSUFFICIENT_SCOPE for a key without the scope, and SESSION_REQUIRED for a leave by key, changing nothing', async () => {
    const org = await organizationOf(['owner', 'member']);
    const member = org.members[1]!;
    const key = await keyFor(org.members[0]!.cookie, org.id, ['members:read']);
    const { error, response } = await rest({ apiKey: key }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      { params: { path: { organizationId: org.id, memberId: member.membershipId } } },
    );
    expectProblem(response, error, 403, 'INSUFFICIENT_SCOPE');
    const leave = await rest({ apiKey: key }).DELETE('/organizations/{organizationId}/members/me', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(leave.response, leave.error, 403, 'SESSION_REQUIRED');
    expect(await membershipStatus(s.db, member.membershipId)).toBe('active');
  });

  it('answers 400 VALIDATION_FAILED listing each bad field', async () => {
    const org = await organizationOf(['owner', 'member']);
    const owner = org.members[0]!;
    const created = await rest({ cookie: owner.cookie }).POST('/organizations', {
      body: { name: '', slug: 'Not A Slug!' },
    });
    const problem = expectProblem(created.response, created.error, 400, 'VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['name', 'slug']);
    expect(problem.errors?.every((e) => e.message.length > 0)).toBe(true);

    const role = await rest({ cookie: owner.cookie }).PATCH(
      '/organizations/{organizationId}/members/{memberId}',
      {
        params: { path: { organizationId: org.id, memberId: org.members[1]!.membershipId } },
        body: { role: 'boss' as 'admin' },
      },
    );
    expect(
      expectProblem(role.response, role.error, 400, 'VALIDATION_FAILED').errors?.map((e) => e.path),
    ).toEqual(['role']);
    // Query strings are typed by the input: a limit that is not a number, and a key nobody knows.
    const list = await fetch(`${s.base}/v1/organizations/${org.id}/members?limit=ten&color=red`, {
      headers: { cookie: owner.cookie },
    });
    const listProblem = expectProblem(list, await list.json(), 400, 'VALIDATION_FAILED');
    expect(listProblem.errors?.map((e) => e.path).sort()).toEqual(['', 'limit']);
    expect(await membershipStatus(s.db, org.members[1]!.membershipId)).toBe('active');
  });

  it('changes roles, transfers ownership, invites, lists and revokes with the same field names as tRPC', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const client = rest({ cookie: owner.cookie });
    const listed = await client.GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: org.id } },
    });
    const overTrpc = await query(
      s.base,
      'members.list',
      { organizationId: org.id },
      { cookie: owner.cookie },
    );
    expect(listed.data).toEqual(overTrpc.data);

    const promoted = await client.PATCH('/organizations/{organizationId}/members/{memberId}', {
      params: { path: { organizationId: org.id, memberId: member.membershipId } },
      body: { role: 'admin' },
    });
    expect(promoted.data).toEqual({
      memberId: member.membershipId,
      userId: member.user.id,
      role: 'admin',
      previousRole: 'member',
    });
    const transferred = await client.POST('/organizations/{organizationId}/ownership-transfers', {
      params: { path: { organizationId: org.id } },
      body: { memberId: member.membershipId },
    });
    expect(transferred.response.status).toBe(200);
    expect(transferred.data?.owner).toEqual({
      memberId: member.membershipId,
      userId: member.user.id,
      role: 'owner',
    });
    const roles = await s.db
      .selectFrom('memberships')
      .select(['id', 'role'])
      .where('organization_id', '=', org.id)
      .orderBy('role')
      .execute();
    expect(roles).toEqual(
      expect.arrayContaining([
        { id: owner.membershipId, role: 'admin' },
        { id: member.membershipId, role: 'owner' },
      ]),
    );

    const asNewOwner = rest({ cookie: member.cookie });
    const invited = await asNewOwner.POST('/organizations/{organizationId}/invitations', {
      params: { path: { organizationId: org.id } },
      body: { email: 'invitee@example.test', role: 'viewer' },
    });
    expect(invited.data).toMatchObject({
      organizationId: org.id,
      email: 'invitee@example.test',
      status: 'pending',
    });
    const pending = await asNewOwner.GET('/organizations/{organizationId}/invitations', {
      params: { path: { organizationId: org.id } },
    });
    expect(pending.data?.map((i) => i.id)).toEqual([invited.data!.id]);
    const revoked = await asNewOwner.DELETE('/invitations/{invitationId}', {
      params: { path: { invitationId: invited.data!.id } },
    });
    expect(revoked.data).toEqual({ id: invited.data!.id, organizationId: org.id, status: 'revoked' });
    const row = await s.db
      .selectFrom('invitations')
      .select('status')
      .where('id', '=', invited.data!.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('revoked');
    const audit = await asNewOwner.GET('/organizations/{organizationId}/audit-log', {
      params: { path: { organizationId: org.id }, query: { limit: 2 } },
    });
    expect(audit.data?.items.map((entry) => entry.action)).toEqual([
      'invitation.revoked',
      'invitation.created',
    ]);
  });

  it('creates an organization, lists mine and reads one; accepts an invitation', async () => {
    const founder = await signUp(s.base, 'founder');
    const client = rest({ cookie: founder.cookie });
    const slug = `rest-${founder.user.id.slice(0, 8)}`;
    const created = await client.POST('/organizations', { body: { name: 'Made over REST', slug } });
    expect(created.data).toEqual({ id: expect.any(String), slug, name: 'Made over REST' });
    const mine = await client.GET('/organizations');
    expect(mine.data).toEqual([
      {
        id: created.data!.id,
        slug,
        name: 'Made over REST',
        role: 'owner',
        activeOwnerCount: 1,
        status: 'active',
        deletionDueAt: null,
      },
    ]);
    const one = await client.GET('/organizations/{organizationId}', {
      params: { path: { organizationId: created.data!.id } },
    });
    expect(one.data).toEqual({
      id: created.data!.id,
      slug,
      name: 'Made over REST',
      status: 'active',
      deletionScheduledAt: null,
      deletionDueAt: null,
      role: 'owner',
    });
    const may = await client.GET('/organizations/{organizationId}/permissions', {
      params: { path: { organizationId: created.data!.id } },
    });
    expect(may.data?.leave).toEqual({ allowed: false, reason: 'AT_LEAST_ONE_OWNER_REQUIRED' });
    expect(may.data?.remove.member).toEqual({ allowed: true });
    const taken = await client.POST('/organizations', { body: { name: 'Again', slug } });
    expectProblem(taken.response, taken.error, 409, 'SLUG_TAKEN');

    const joiner = await signUp(s.base, 'joiner');
    // Accepting by id needs a proven address (as after following the mailed verification link).
    await s.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', '=', joiner.user.id)
      .execute();
    const invited = await client.POST('/organizations/{organizationId}/invitations', {
      params: { path: { organizationId: created.data!.id } },
      body: { email: joiner.user.email, role: 'member' },
    });
    const joinerClient = rest({ cookie: joiner.cookie });
    const invitations = await joinerClient.GET('/me/invitations');
    expect(invitations.data?.map((i) => i.id)).toEqual([invited.data!.id]);
    const accepted = await joinerClient.POST('/invitations/{invitationId}/accept', {
      params: { path: { invitationId: invited.data!.id } },
    });
    expect(accepted.data).toMatchObject({ role: 'member', organization: { id: created.data!.id, slug } });
    expect(await membershipStatus(s.db, accepted.data!.memberId)).toBe('active');
  });

  it('checks the Origin of cookie-authenticated unsafe methods, as /trpc does', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const foreign = await rest({ cookie: owner.cookie, origin: 'https://evil.example' }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      { params: { path: { organizationId: org.id, memberId: member.membershipId } } },
    );
    expectProblem(foreign.response, foreign.error, 403, 'FORBIDDEN_ORIGIN');
    expect(await membershipStatus(s.db, member.membershipId)).toBe('active');
    const own = await rest({ cookie: owner.cookie, origin: new URL(s.base).origin }).DELETE(
      '/organizations/{organizationId}/members/{memberId}',
      { params: { path: { organizationId: org.id, memberId: member.membershipId } } },
    );
    expect(own.response.status).toBe(204);
    expect(await membershipStatus(s.db, member.membershipId)).toBe('removed');
  });

  it('answers unknown routes, wrong methods and foreign bodies with problems, never HTML', async () => {
    const org = await organizationOf(['owner']);
    const cookie = org.members[0]!.cookie;
    const unknown = await fetch(`${s.base}/v1/organisations`, { headers: { cookie } });
    expectProblem(unknown, await unknown.json(), 404, 'PROCEDURE_NOT_FOUND');
    const wrongMethod = await fetch(`${s.base}/v1/organizations/${org.id}/members`, {
      method: 'PUT',
      headers: { cookie },
    });
    expectProblem(wrongMethod, await wrongMethod.json(), 405, 'METHOD_NOT_ALLOWED');
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    const form = await fetch(`${s.base}/v1/organizations`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x&slug=y',
    });
    expectProblem(form, await form.json(), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await fetch(`${s.base}/v1/organizations`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: '{"name":"x","slug":"y"}',
    });
    expectProblem(text, await text.json(), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const malformed = await fetch(`${s.base}/v1/organizations`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expectProblem(malformed, await malformed.json(), 400, 'BAD_REQUEST');
    expect(await s.db.selectFrom('organizations').select('id').where('slug', '=', 'y').execute()).toEqual([]);
  });

  it('counts REST calls against the caller’s limit with RateLimit-* headers, then answers 429 with Retry-After', async () => {
    const limited = await startIdentityServer({ rateLimit: { max: 2, windowMs: 60_000 } });
    try {
      const person = await signUp(limited.base, 'limited');
      const org = await seedOrganization(limited.db, [{ userId: person.user.id, role: 'owner' }]);
      const client = rest({ cookie: person.cookie }, limited.base);
      // signUp used the IP's budget; a signed-in caller has a budget of their own.
      const first = await client.GET('/organizations/{organizationId}', {
        params: { path: { organizationId: org.id } },
      });
      expect(first.response.status).toBe(200);
      expect(first.response.headers.get('ratelimit-policy')).toBe('2;w=60');
      expect(first.response.headers.get('ratelimit-remaining')).toBe('1');
      await client.GET('/organizations');
      const refused = await client.GET('/organizations');
      const problem = expectProblem(refused.response, refused.error, 429, 'RATE_LIMITED');
      const retryAfter = refused.response.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(problem.retryAfter).toBe(Number(retryAfter));
      expect(refused.response.headers.get('ratelimit-remaining')).toBe('0');
    } finally {
      await limited.close();
    }
  });
});
