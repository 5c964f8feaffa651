import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrator, migrateToLatest } from '../src/index';
import { migrations } from '../src/migrations/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

async function newUser(email: string) {
  return t.db
    .insertInto('users')
    .values({ email, name: email.split('@')[0]! })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function newOrg(slug: string) {
  return t.db
    .insertInto('organizations')
    .values({ name: slug, slug })
    .returning('id')
    .executeTakeFirstOrThrow();
}

describe(`migrations (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('applies every migration, and a second run is a no-op', async () => {
    const applied = await createMigrator(t.db).getMigrations();
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((m) => m.executedAt instanceof Date)).toBe(true);
    expect(applied.map((m) => m.name)).toEqual(Object.keys(migrations));
    expect(await migrateToLatest(t.db)).toEqual([]);
    // The second run recorded nothing more.
    const recorded = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(t.db);
    expect(recorded.rows).toEqual([{ n: Object.keys(migrations).length }]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(
      t.db,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'api_keys',
        'audit_log',
        'invitations',
        'memberships',
        'organizations',
        'outbox_events',
        'sessions',
        'users',
      ]),
    );
  });

  it('refuses a second active membership for the same user and organization, but keeps removed ones', async () => {
    const user = await newUser('dup@example.com');
    const org = await newOrg('dup-org');
    const first = await t.db
      .insertInto('memberships')
      .values({ organization_id: org.id, user_id: user.id, role: 'member' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      t.db
        .insertInto('memberships')
        .values({ organization_id: org.id, user_id: user.id, role: 'admin' })
        .execute(),
    ).rejects.toThrow(/memberships_active_org_user_key/);

    // After a soft delete the user may hold a new active membership (rejoining by invitation).
    await t.db
      .updateTable('memberships')
      .set({ status: 'removed', removed_at: new Date(), removal_reason: 'left', removed_by: user.id })
      .where('id', '=', first.id)
      .execute();
    await t.db
      .insertInto('memberships')
      .values({ organization_id: org.id, user_id: user.id, role: 'member' })
      .execute();
    const rows = await t.db
      .selectFrom('memberships')
      .select(['status'])
      .where('organization_id', '=', org.id)
      .orderBy('created_at')
      .execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'removed']);
  });

  it('refuses an unknown role, status or removal reason, and an inconsistent removal', async () => {
    const user = await newUser('roles@example.com');
    const org = await newOrg('roles-org');
    await expect(
      t.db
        .insertInto('memberships')
        .values({ organization_id: org.id, user_id: user.id, role: 'superuser' as never })
        .execute(),
    ).rejects.toThrow(/memberships_role_check/);
    await expect(
      t.db
        .insertInto('memberships')
        .values({ organization_id: org.id, user_id: user.id, role: 'member', status: 'gone' as never })
        .execute(),
    ).rejects.toThrow(/memberships_status_check|memberships_removal_consistent/);
    await expect(
      t.db
        .insertInto('memberships')
        .values({ organization_id: org.id, user_id: user.id, role: 'member', status: 'removed' })
        .execute(),
    ).rejects.toThrow(/memberships_removal_consistent/);
    const count = await t.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('refuses rows that point nowhere, and non-normalized emails and slugs', async () => {
    await expect(
      t.db
        .insertInto('memberships')
        .values({
          organization_id: '00000000-0000-4000-8000-000000000000',
          user_id: '00000000-0000-4000-8000-000000000000',
          role: 'member',
        })
        .execute(),
    ).rejects.toThrow(/foreign key/);
    await expect(newUser('Upper@Example.com')).rejects.toThrow(/users_email_normalized/);
    await expect(newOrg('Not A Slug')).rejects.toThrow(/organizations_slug_format/);
    await newUser('unique@example.com');
    await expect(newUser('unique@example.com')).rejects.toThrow(/users_email_key/);
    // Nothing refused was stored: one user of those emails, no such organization.
    const users = await t.db
      .selectFrom('users')
      .select('email')
      .where('email', 'in', ['Upper@Example.com', 'upper@example.com', 'unique@example.com'])
      .execute();
    expect(users).toEqual([{ email: 'unique@example.com' }]);
    const orgs = await t.db
      .selectFrom('organizations')
      .select('id')
      .where('slug', '=', 'Not A Slug')
      .execute();
    expect(orgs).toEqual([]);
  });

  it('redacts the webhook URLs in audit entries written before 2026-11-30 (scheme, host and path only)', async () => {
    const org = await newOrg('redact-org');
    const urls = {
      'https://user:pw@hooks.example.test:8443/in/x?token=s3cret#f': 'https://hooks.example.test:8443/in/x',
      'http://hooks.example.test?key=abc': 'http://hooks.example.test',
      'https://hooks.example.test/plain': 'https://hooks.example.test/plain',
    };
    for (const url of Object.keys(urls)) {
      await t.db
        .insertInto('audit_log')
        .values({ organization_id: org.id, action: 'webhook.created', metadata: JSON.stringify({ url }) })
        .execute();
    }
    await t.db
      .insertInto('audit_log')
      .values({
        organization_id: org.id,
        action: 'member.left',
        metadata: JSON.stringify({ url: 'https://x.test/?q=1' }),
      })
      .execute();
    await migrations['2026-11-30T0500-redact-webhook-audit-urls']!.up(t.db);
    const rows = await t.db
      .selectFrom('audit_log')
      .select(['action', 'metadata'])
      .where('organization_id', '=', org.id)
      .orderBy('created_at')
      .execute();
    expect(rows.filter((r) => r.action === 'webhook.created').map((r) => r.metadata)).toEqual(
      Object.values(urls).map((url) => ({ url })),
    );
    // Other actions are left alone.
    expect(rows.find((r) => r.action === 'member.left')?.metadata).toEqual({ url: 'https://x.test/?q=1' });
  });
});
