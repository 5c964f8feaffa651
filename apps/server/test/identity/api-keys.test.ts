import { sha256Hex } from '@roster/api';
import { describe, expect, it, vi } from 'vitest';
import {
  apiKeyRow,
  createKey,
  DB_KIND,
  membershipStatus as membershipStatusOf,
  mutate,
  query,
  seedOrganization,
  signUp,
  useIdentityServer,
} from './helpers';

const s = useIdentityServer();

/** An organization with an owner, an admin, a member and a viewer, each signed in over HTTP. */
async function team() {
  const owner = await signUp(s.base, 'owner');
  const admin = await signUp(s.base, 'admin');
  const member = await signUp(s.base, 'member');
  const viewer = await signUp(s.base, 'viewer');
  const org = await seedOrganization(s.db, [
    { userId: owner.user.id, role: 'owner' },
    { userId: admin.user.id, role: 'admin' },
    { userId: member.user.id, role: 'member' },
    { userId: viewer.user.id, role: 'viewer' },
  ]);
  return { org, owner, admin, member, viewer };
}

const keyRow = (id: string) => apiKeyRow(s.db, id);
const membershipStatus = (id: string) => membershipStatusOf(s.db, id);

describe(`API keys over HTTP (${DB_KIND})`, () => {
  it('creates a key for an owner or admin, shows it once and stores only its SHA-256 and prefix', async () => {
    const { org, owner, admin } = await team();
    const created = await createKey(s.base, owner.cookie, org.id, [
      'members:write',
      'members:read',
      'members:read',
    ]);
    expect(created.key).toMatch(/^rst_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.scopes).toEqual(['members:read', 'members:write']);
    const row = await keyRow(created.id);
    expect(row).toMatchObject({
      organization_id: org.id,
      created_by: owner.user.id,
      prefix: created.prefix,
      secret_hash: sha256Hex(created.key),
      revoked_at: null,
      last_used_at: null,
    });
    const audit = await s.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'metadata'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'api_key.created')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_user_id: owner.user.id,
        metadata: expect.objectContaining({ apiKeyId: created.id }),
      }),
    ]);

    const byAdmin = await createKey(s.base, admin.cookie, org.id, ['audit:read']);
    const list = await query<{ items: Array<Record<string, unknown>> }>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id },
      { cookie: admin.cookie },
    );
    expect(list.status).toBe(200);
    expect(list.data.items.map((item) => item.id)).toEqual([byAdmin.id, created.id]);
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(created.key);
    expect(listed).not.toContain(row.secret_hash);
    expect(list.data.items[1]).toMatchObject({
      prefix: created.prefix,
      scopes: ['members:read', 'members:write'],
      createdBy: { id: owner.user.id },
    });
    expect(list.data.items[1]).not.toHaveProperty('key');
  });

  it('refuses key management to members and viewers (INSUFFICIENT_ROLE), outsiders and API keys, writing nothing', async () => {
    const { org, owner, member, viewer } = await team();
    const outsider = await signUp(s.base, 'outsider');
    const key = await createKey(s.base, owner.cookie, org.id, [
      'members:read',
      'members:write',
      'audit:read',
    ]);
    const input = { organizationId: org.id, name: 'nope', scopes: ['members:read'] };
    for (const who of [member, viewer]) {
      const res = await mutate(s.base, 'apiKeys.create', input, { cookie: who.cookie });
      expect(res.status).toBe(403);
      expect(res.reason).toBe('INSUFFICIENT_ROLE');
      expect(
        (await query(s.base, 'apiKeys.list', { organizationId: org.id }, { cookie: who.cookie })).reason,
      ).toBe('INSUFFICIENT_ROLE');
    }
    expect((await mutate(s.base, 'apiKeys.create', input, { cookie: outsider.cookie })).reason).toBe(
      'ORGANIZATION_NOT_FOUND',
    );
    const byKey = await mutate(s.base, 'apiKeys.create', input, { apiKey: key.key });
    expect(byKey.status).toBe(403);
    expect(byKey.reason).toBe('SESSION_REQUIRED');
    const rows = await s.db
      .selectFrom('api_keys')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(rows).toEqual([{ id: key.id }]);
  });

  it('authenticates a key sent as a bearer token, and records its use at most once a minute', async () => {
    const { org, owner } = await team();
    const key = await createKey(s.base, owner.cookie, org.id, ['members:read']);
    const res = await query<{ items: Array<{ userId: string }> }>(
      s.base,
      'members.list',
      { organizationId: org.id },
      { apiKey: key.key },
    );
    expect(res.status).toBe(200);
    expect(res.data.items.map((item) => item.userId)).toContain(owner.user.id);
    await vi.waitFor(async () => expect((await keyRow(key.id)).last_used_at).toBeInstanceOf(Date));
    const first = (await keyRow(key.id)).last_used_at!;
    s.queries.length = 0;
    expect(
      (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
    ).toBe(200);
    expect((await keyRow(key.id)).last_used_at).toEqual(first);
    // The write is fire-and-forget, logged when it completes (on Postgres, on another pooled
    // connection, possibly after the answer): give one that was sent time to show up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.queries.filter((q) => /^update "api_keys"/.test(q))).toEqual([]);
  });

  it('refuses a mistyped key with INVALID_API_KEY before any database lookup', async () => {
    const { org, owner } = await team();
    const key = await createKey(s.base, owner.cookie, org.id, ['members:read']);
    const last = key.key.at(-1) === 'a' ? 'b' : 'a';
    const typos = [
      `${key.key.slice(0, 10)}${key.key[10] === 'x' ? 'y' : 'x'}${key.key.slice(11)}`,
      `${key.key.slice(0, -1)}${last}`,
      key.key.slice(0, -1),
      'rst_nope',
      'not-a-roster-key',
    ];
    for (const typo of typos) {
      s.queries.length = 0;
      const res = await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: typo });
      expect(res.status).toBe(401);
      expect(res.reason).toBe('INVALID_API_KEY');
      expect(s.queries).toEqual([]);
    }
    // The counter does see statements: a well-formed key is looked up.
    s.queries.length = 0;
    expect(
      (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
    ).toBe(200);
    expect(s.queries.some((q) => q.includes('"api_keys"'))).toBe(true);
  });

  it('refuses a well-formed but unknown key with INVALID_API_KEY (after the lookup)', async () => {
    const { org, owner } = await team();
    const key = await createKey(s.base, owner.cookie, org.id, ['members:read']);
    await s.db.deleteFrom('api_keys').where('id', '=', key.id).execute();
    s.queries.length = 0;
    const res = await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key });
    expect(res.status).toBe(401);
    expect(res.reason).toBe('INVALID_API_KEY');
    expect(s.queries.some((q) => q.includes('"api_keys"'))).toBe(true);
  });

  it('revokes a key: it stops working at once; a second revoke or a foreign key is API_KEY_NOT_FOUND', async () => {
    const { org, owner, admin } = await team();
    const other = await team();
    const key = await createKey(s.base, owner.cookie, org.id, ['members:read']);
    const foreign = await createKey(s.base, other.owner.cookie, other.org.id, ['members:read']);
    expect(
      (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
    ).toBe(200);

    const revoked = await mutate<{ id: string }>(
      s.base,
      'apiKeys.revoke',
      { organizationId: org.id, apiKeyId: key.id },
      { cookie: admin.cookie },
    );
    expect(revoked.status).toBe(200);
    expect(await keyRow(key.id)).toMatchObject({ revoked_reason: 'revoked', revoked_at: expect.any(Date) });
    const audit = await s.db
      .selectFrom('audit_log')
      .select('actor_user_id')
      .where('organization_id', '=', org.id)
      .where('action', '=', 'api_key.revoked')
      .execute();
    expect(audit).toEqual([{ actor_user_id: admin.user.id }]);
    const after = await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key });
    expect(after.status).toBe(401);
    expect(after.reason).toBe('INVALID_API_KEY');

    const again = await mutate(
      s.base,
      'apiKeys.revoke',
      { organizationId: org.id, apiKeyId: key.id },
      { cookie: owner.cookie },
    );
    expect(again.status).toBe(404);
    expect(again.reason).toBe('API_KEY_NOT_FOUND');
    const cross = await mutate(
      s.base,
      'apiKeys.revoke',
      { organizationId: org.id, apiKeyId: foreign.id },
      { cookie: owner.cookie },
    );
    expect(cross.reason).toBe('API_KEY_NOT_FOUND');
    expect((await keyRow(foreign.id)).revoked_at).toBeNull();
    expect(
      (await query(s.base, 'members.list', { organizationId: other.org.id }, { apiKey: foreign.key })).status,
    ).toBe(200);
    const listed = await query<{ items: Array<{ id: string; revokedAt: string | null }> }>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id, includeRevoked: true },
      { cookie: owner.cookie },
    );
    expect(listed.data.items).toEqual([
      expect.objectContaining({ id: key.id, revokedAt: expect.any(String) }),
    ]);
    const active = await query<{ items: unknown[] }>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id },
      { cookie: owner.cookie },
    );
    expect(active.data.items).toEqual([]);
  });

  describe('scopes, per procedure', () => {
    it('members:read lists members but may not remove them or read the audit log', async () => {
      const { org, owner, member } = await team();
      const key = await createKey(s.base, owner.cookie, org.id, ['members:read']);
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
      ).toBe(200);
      const remove = await mutate(
        s.base,
        'members.remove',
        { organizationId: org.id, memberId: org.memberships[member.user.id] },
        { apiKey: key.key },
      );
      expect(remove.status).toBe(403);
      expect(remove.reason).toBe('INSUFFICIENT_SCOPE');
      expect(await membershipStatus(org.memberships[member.user.id]!)).toBe('active');
      const audit = await query(s.base, 'auditLog.list', { organizationId: org.id }, { apiKey: key.key });
      expect(audit.status).toBe(403);
      expect(audit.reason).toBe('INSUFFICIENT_SCOPE');
    });

    it('members:write removes a member (and nothing else is readable with it)', async () => {
      const { org, owner, member } = await team();
      const key = await createKey(s.base, owner.cookie, org.id, ['members:write']);
      const list = await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key });
      expect(list.reason).toBe('INSUFFICIENT_SCOPE');
      const remove = await mutate(
        s.base,
        'members.remove',
        { organizationId: org.id, memberId: org.memberships[member.user.id] },
        { apiKey: key.key },
      );
      expect(remove.status).toBe(200);
      expect(await membershipStatus(org.memberships[member.user.id]!)).toBe('removed');
      const audit = await s.db
        .selectFrom('audit_log')
        .select(['actor_api_key_id', 'target_user_id'])
        .where('organization_id', '=', org.id)
        .where('action', '=', 'member.removed')
        .execute();
      expect(audit).toEqual([{ actor_api_key_id: key.id, target_user_id: member.user.id }]);
    });

    it('audit:read reads the audit log only', async () => {
      const { org, owner } = await team();
      const key = await createKey(s.base, owner.cookie, org.id, ['audit:read']);
      const audit = await query<{ items: Array<{ action: string }> }>(
        s.base,
        'auditLog.list',
        { organizationId: org.id },
        { apiKey: key.key },
      );
      expect(audit.status).toBe(200);
      expect(audit.data.items.map((item) => item.action)).toContain('api_key.created');
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).reason,
      ).toBe('INSUFFICIENT_SCOPE');
    });

    it('a key acts for its own organization only, and never as a person', async () => {
      const { org, owner } = await team();
      const other = await team();
      const key = await createKey(s.base, owner.cookie, org.id, [
        'members:read',
        'members:write',
        'audit:read',
      ]);
      const foreign = await query(
        s.base,
        'members.list',
        { organizationId: other.org.id },
        { apiKey: key.key },
      );
      expect(foreign.status).toBe(404);
      expect(foreign.reason).toBe('ORGANIZATION_NOT_FOUND');
      const me = await query(s.base, 'auth.me', undefined, { apiKey: key.key });
      expect(me.reason).toBe('SESSION_REQUIRED');
      const leave = await mutate(s.base, 'members.leave', { organizationId: org.id }, { apiKey: key.key });
      expect(leave.reason).toBe('SESSION_REQUIRED');
      expect(await membershipStatus(org.memberships[owner.user.id]!)).toBe('active');
    });
  });

  describe('removal ends access at once', () => {
    it('a removed admin’s session and keys lose the organization with the commit', async () => {
      const { org, owner, admin } = await team();
      const key = await createKey(s.base, admin.cookie, org.id, ['members:read']);
      const activeOrganizationOf = async (userId: string) =>
        (
          await s.db
            .selectFrom('sessions')
            .select('active_organization_id')
            .where('user_id', '=', userId)
            .execute()
        ).map((row) => row.active_organization_id);
      const pointed = await mutate(
        s.base,
        'auth.setActiveOrganization',
        { organizationId: org.id },
        { cookie: admin.cookie },
      );
      expect(pointed.status).toBe(200);
      expect(await activeOrganizationOf(admin.user.id)).toEqual([org.id]);
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { cookie: admin.cookie })).status,
      ).toBe(200);
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
      ).toBe(200);

      const removed = await mutate(
        s.base,
        'members.remove',
        { organizationId: org.id, memberId: org.memberships[admin.user.id] },
        { cookie: owner.cookie },
      );
      expect(removed.status).toBe(200);
      expect(await membershipStatus(org.memberships[admin.user.id]!)).toBe('removed');
      expect((await keyRow(key.id)).revoked_at).toBeInstanceOf(Date);
      // The session's pointer to the organization is cleared (auth.me would hide a stale one).
      expect(await activeOrganizationOf(admin.user.id)).toEqual([null]);

      const bySession = await query(
        s.base,
        'members.list',
        { organizationId: org.id },
        { cookie: admin.cookie },
      );
      expect(bySession.status).toBe(404);
      expect(bySession.reason).toBe('ORGANIZATION_NOT_FOUND');
      const byKey = await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key });
      expect(byKey.status).toBe(401);
      expect(byKey.reason).toBe('INVALID_API_KEY');
      // Still signed in (other organizations are theirs), but no longer pointed at this one.
      const me = await query<{ activeOrganizationId: string | null }>(s.base, 'auth.me', undefined, {
        cookie: admin.cookie,
      });
      expect(me.status).toBe(200);
      expect(me.data.activeOrganizationId).toBeNull();
    });

    it('keeps the removed member’s keys working when the removal asks to keep them', async () => {
      const { org, owner, admin } = await team();
      const key = await createKey(s.base, admin.cookie, org.id, ['members:read']);
      const removed = await mutate(
        s.base,
        'members.remove',
        { organizationId: org.id, memberId: org.memberships[admin.user.id], keepApiKeys: true },
        { cookie: owner.cookie },
      );
      expect(removed.status).toBe(200);
      expect(await membershipStatus(org.memberships[admin.user.id]!)).toBe('removed');
      expect((await keyRow(key.id)).revoked_at).toBeNull();
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).status,
      ).toBe(200);
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { cookie: admin.cookie })).reason,
      ).toBe('ORGANIZATION_NOT_FOUND');
    });

    it('an admin who leaves loses access through their session and keys too', async () => {
      const { org, admin } = await team();
      const key = await createKey(s.base, admin.cookie, org.id, ['members:read']);
      const left = await mutate(
        s.base,
        'members.leave',
        { organizationId: org.id },
        { cookie: admin.cookie },
      );
      expect(left.status).toBe(200);
      expect(await membershipStatus(org.memberships[admin.user.id]!)).toBe('removed');
      expect((await keyRow(key.id)).revoked_at).toBeInstanceOf(Date);
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: key.key })).reason,
      ).toBe('INVALID_API_KEY');
      expect(
        (await query(s.base, 'members.list', { organizationId: org.id }, { cookie: admin.cookie })).reason,
      ).toBe('ORGANIZATION_NOT_FOUND');
    });
  });
});
