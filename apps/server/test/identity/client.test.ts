import {
  createRosterClient,
  errorReason,
  hasReason,
  isRosterError,
  type RosterClientError,
} from '@roster/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { removeMemberByEmail } from '../../examples/remove-member';
import {
  apiKeyRow,
  createKey,
  DB_KIND,
  membershipStatus,
  mutate,
  seedOrganization,
  signUp,
  useIdentityServer,
} from './helpers';

const s = useIdentityServer();

async function organizationWithKey(scopes: Array<'members:read' | 'members:write' | 'audit:read'>) {
  const owner = await signUp(s.base, 'owner');
  const member = await signUp(s.base, 'member');
  const org = await seedOrganization(s.db, [
    { userId: owner.user.id, role: 'owner' },
    { userId: member.user.id, role: 'member' },
  ]);
  const key = await createKey(s.base, owner.cookie, org.id, scopes);
  return { owner, member, org, key };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe(`@roster/client against the server (${DB_KIND})`, () => {
  it('calls typed procedures with the key, batching calls made together into one request', async () => {
    const { org, owner, member, key } = await organizationWithKey(['members:read', 'audit:read']);
    const requests: string[] = [];
    const roster = createRosterClient({
      url: s.base,
      apiKey: key.key,
      fetch: (input, init) => {
        requests.push(String(input));
        return fetch(input, init);
      },
    });
    const [members, audit] = await Promise.all([
      roster.members.list.query({ organizationId: org.id }),
      roster.auditLog.list.query({ organizationId: org.id }),
    ]);
    expectTypeOf(members.items[0]!.role).toEqualTypeOf<'owner' | 'admin' | 'member' | 'viewer'>();
    expect(members.items.map((item) => item.userId).sort()).toEqual([owner.user.id, member.user.id].sort());
    expect(audit.items.map((item) => item.action)).toContain('api_key.created');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toContain('/trpc/members.list,auditLog.list?batch=1');
  });

  it('surfaces refusals with typed reasons', async () => {
    const { org, member, key } = await organizationWithKey(['members:read']);
    const roster = createRosterClient({ url: `${s.base}/trpc/`, apiKey: key.key });
    const error = await caught(
      roster.members.remove.mutate({ organizationId: org.id, memberId: org.memberships[member.user.id]! }),
    );
    expect(isRosterError(error)).toBe(true);
    if (!isRosterError(error)) return;
    expectTypeOf(error).toEqualTypeOf<RosterClientError>();
    expectTypeOf(error.data.reason).toEqualTypeOf<import('@roster/client').ErrorReason>();
    expect(error.data).toMatchObject({
      reason: 'INSUFFICIENT_SCOPE',
      code: 'FORBIDDEN',
      httpStatus: 403,
      docs: 'docs/errors.md#insufficient_scope',
    });
    expect(hasReason(error, 'INSUFFICIENT_SCOPE', 'INSUFFICIENT_ROLE')).toBe(true);
    expect(hasReason(error, 'MEMBER_NOT_FOUND')).toBe(false);
    expect(await membershipStatus(s.db, org.memberships[member.user.id]!)).toBe('active');
  });

  it('gets INVALID_API_KEY for a mistyped or revoked key; a network failure has no reason', async () => {
    const { org, owner, key } = await organizationWithKey(['members:read']);
    const typo = `${key.key.slice(0, -1)}${key.key.endsWith('A') ? 'B' : 'A'}`;
    const mistyped = await caught(
      createRosterClient({ url: s.base, apiKey: typo }).members.list.query({ organizationId: org.id }),
    );
    expect(errorReason(mistyped)).toBe('INVALID_API_KEY');

    const revoke = await mutate(
      s.base,
      'apiKeys.revoke',
      { organizationId: org.id, apiKeyId: key.id },
      { cookie: owner.cookie },
    );
    expect(revoke.status).toBe(200);
    expect((await apiKeyRow(s.db, key.id)).revoked_at).toBeInstanceOf(Date);
    const revoked = await caught(
      createRosterClient({ url: s.base, apiKey: key.key }).members.list.query({ organizationId: org.id }),
    );
    expect(errorReason(revoked)).toBe('INVALID_API_KEY');

    const offline = await caught(
      createRosterClient({ url: 'http://127.0.0.1:9', apiKey: key.key }).members.list.query({
        organizationId: org.id,
      }),
    );
    expect(isRosterError(offline)).toBe(false);
    expect(errorReason(offline)).toBeNull();
    expect(() => createRosterClient({ url: s.base, apiKey: 'sk_live_nope' })).toThrow(TypeError);
  });

  it('runs the remove-member example end to end: the member is removed, their keys revoked', async () => {
    const { org, owner, member, key } = await organizationWithKey(['members:read', 'members:write']);
    // The member made a key while an admin (then was made a member again): the removal revokes it.
    const setRole = (role: 'admin' | 'member') =>
      s.db
        .updateTable('memberships')
        .set({ role })
        .where('id', '=', org.memberships[member.user.id]!)
        .execute();
    await setRole('admin');
    const theirs = await createKey(s.base, member.cookie, org.id, ['members:read']);
    await setRole('member');
    const roster = createRosterClient({ url: s.base, apiKey: key.key });

    const outcome = await removeMemberByEmail(roster, org.id, member.user.email.toUpperCase());
    expect(outcome).toEqual({
      status: 'removed',
      memberId: org.memberships[member.user.id],
      revokedApiKeys: 1,
    });
    const row = await s.db
      .selectFrom('memberships')
      .select(['status', 'removal_reason', 'removed_by'])
      .where('id', '=', org.memberships[member.user.id]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'removed', removal_reason: 'removed', removed_by: null });
    expect((await apiKeyRow(s.db, theirs.id)).revoked_at).toBeInstanceOf(Date);

    expect(await removeMemberByEmail(roster, org.id, member.user.email)).toEqual({ status: 'not-a-member' });
    // An API key acts like an admin: it cannot remove an owner. A typed refusal, nothing changes.
    const error = await caught(removeMemberByEmail(roster, org.id, owner.user.email));
    expect(errorReason(error)).toBe('INSUFFICIENT_ROLE');
    expect(await membershipStatus(s.db, org.memberships[owner.user.id]!)).toBe('active');
  });
});
