import { describe, expect, it } from 'vitest';
import { apiKeyRow, DB_KIND, mutate, query, seedOrganization, signUp, useIdentityServer } from './helpers';

const s = useIdentityServer();

async function ownerAndOrganization() {
  const owner = await signUp(s.base, 'owner');
  const org = await seedOrganization(s.db, [{ userId: owner.user.id, role: 'owner' }]);
  return { owner, org };
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

type Listed = {
  items: Array<{
    id: string;
    status: string;
    expiresAt: string | null;
    revokedAt: string | null;
    lastUsedAt: string | null;
  }>;
};

describe(`API key expiry over HTTP (${DB_KIND})`, () => {
  it('a key with an expiry works until then; past it the key answers API_KEY_EXPIRED (401) and is listed as expired', async () => {
    const { owner, org } = await ownerAndOrganization();
    const expiresAt = inDays(30);
    const created = await mutate<{ id: string; key: string; expiresAt: string | null; createdAt: string }>(
      s.base,
      'apiKeys.create',
      { organizationId: org.id, name: 'expiring', scopes: ['members:read'], expiresAt },
      { cookie: owner.cookie },
    );
    expect(created.status).toBe(200);
    expect(created.data.expiresAt).toBe(expiresAt);
    expect((await apiKeyRow(s.db, created.data.id))?.expires_at?.toISOString()).toBe(expiresAt);
    const audit = await s.db
      .selectFrom('audit_log')
      .select('metadata')
      .where('organization_id', '=', org.id)
      .where('action', '=', 'api_key.created')
      .executeTakeFirstOrThrow();
    expect(audit.metadata).toMatchObject({ apiKeyId: created.data.id, expiresAt });
    expect(JSON.stringify(audit.metadata)).not.toContain(created.data.key);

    const allowed = await query(
      s.base,
      'members.list',
      { organizationId: org.id },
      { apiKey: created.data.key },
    );
    expect(allowed.status).toBe(200);

    // Its expiry passes (moved into the past in the database: no waiting on a clock).
    await s.db
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', created.data.id)
      .execute();
    const refused = await query(
      s.base,
      'members.list',
      { organizationId: org.id },
      { apiKey: created.data.key },
    );
    expect(refused.status).toBe(401);
    expect(refused.reason).toBe('API_KEY_EXPIRED');
    expect(refused.body.error?.data.docs).toMatch(/#api_key_expired$/);
    // Expired is not revoked: the row stays as it was, the list says expired.
    expect(await apiKeyRow(s.db, created.data.id)).toMatchObject({ revoked_at: null, revoked_reason: null });
    const listed = await query<Listed>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id },
      { cookie: owner.cookie },
    );
    expect(listed.data.items.find((k) => k.id === created.data.id)).toMatchObject({
      status: 'expired',
      revokedAt: null,
    });

    // Revoking an expired key is allowed; revoked wins over expired, and the key stays refused.
    const revoked = await mutate(
      s.base,
      'apiKeys.revoke',
      { organizationId: org.id, apiKeyId: created.data.id },
      { cookie: owner.cookie },
    );
    expect(revoked.status).toBe(200);
    const after = await query<Listed>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id, includeRevoked: true },
      { cookie: owner.cookie },
    );
    expect(after.data.items.find((k) => k.id === created.data.id)).toMatchObject({
      status: 'revoked',
      revokedAt: expect.any(String),
    });
    expect(
      (await query(s.base, 'members.list', { organizationId: org.id }, { apiKey: created.data.key })).reason,
    ).toBe('INVALID_API_KEY');
  });

  it('a key without an expiry is active and never expires', async () => {
    const { owner, org } = await ownerAndOrganization();
    const created = await mutate<{ id: string; expiresAt: string | null }>(
      s.base,
      'apiKeys.create',
      { organizationId: org.id, name: 'forever', scopes: ['members:read'] },
      { cookie: owner.cookie },
    );
    expect(created.data.expiresAt).toBeNull();
    expect((await apiKeyRow(s.db, created.data.id))?.expires_at).toBeNull();
    const listed = await query<Listed>(
      s.base,
      'apiKeys.list',
      { organizationId: org.id },
      { cookie: owner.cookie },
    );
    expect(listed.data.items).toEqual([
      expect.objectContaining({ id: created.data.id, status: 'active', expiresAt: null }),
    ]);
  });

  it('refuses an expiry in the past or not an ISO date (VALIDATION_FAILED), creating no key', async () => {
    const { owner, org } = await ownerAndOrganization();
    for (const expiresAt of [inDays(-1), 'tomorrow', '2030-01-01']) {
      const res = await mutate(
        s.base,
        'apiKeys.create',
        { organizationId: org.id, name: 'bad', scopes: ['members:read'], expiresAt },
        { cookie: owner.cookie },
      );
      expect(res.status).toBe(400);
      expect(res.reason).toBe('VALIDATION_FAILED');
    }
    expect(
      await s.db.selectFrom('api_keys').select('id').where('organization_id', '=', org.id).execute(),
    ).toEqual([]);
  });
});
