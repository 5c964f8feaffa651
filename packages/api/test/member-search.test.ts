import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createOrganization, createUser, uniqueSuffix } from './factories';
import { reasonOfRefusal } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** Every page of members.list with `filters`, followed to the end with small pages. */
async function listAll(
  api: ReturnType<typeof callerFor>,
  input: { organizationId: string; query?: string; role?: 'owner' | 'admin' | 'member' | 'viewer' },
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof api.members.list>> = await api.members.list({
      ...input,
      limit: 2,
      cursor,
    });
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** What the database says the filtered list must be: active members of the organization, in joining order. */
async function expected(
  organizationId: string,
  where: (name: string, email: string, role: string) => boolean,
) {
  const rows = await t.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.id', 'm.role', 'u.name', 'u.email'])
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
  return rows.filter((r) => where(r.name, r.email, r.role)).map((r) => r.id);
}

describe('members.list search and role filter', () => {
  it('finds members by any part of the name or email, case-insensitively, paged, and only active ones of this organization', async () => {
    const s = uniqueSuffix();
    const organization = await createOrganization(t.db);
    const other = await createOrganization(t.db);
    const ada = await addMember(
      t.db,
      organization.id,
      'admin',
      await createUser(t.db, { name: `Ada Lovelace ${s}`, email: `ada-${s}@analytical.test` }),
    );
    const grace = await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `Grace Hopper ${s}`, email: `grace-${s}@navy.test` }),
    );
    const alan = await addMember(
      t.db,
      organization.id,
      'viewer',
      await createUser(t.db, { name: `Alan Turing ${s}`, email: `alan-${s}@lovelace.test` }),
    );
    const gone = await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `Ada Gone ${s}`, email: `gone-${s}@x.test` }),
    );
    await callerFor(t.db, gone.user).members.leave({ organizationId: organization.id });
    // A Lovelace in another organization is never listed here.
    await addMember(t.db, other.id, 'member', await createUser(t.db, { name: `Lovelace Elsewhere ${s}` }));
    const api = callerFor(t.db, organization.owner.user);

    // "lovelace" is Ada's surname and Alan's email domain.
    expect(await listAll(api, { organizationId: organization.id, query: 'LoveLace' })).toEqual([
      ada.membership.id,
      alan.membership.id,
    ]);
    expect(await listAll(api, { organizationId: organization.id, query: `@navy.test` })).toEqual([
      grace.membership.id,
    ]);
    expect(await listAll(api, { organizationId: organization.id, query: `ada` })).toEqual(
      await expected(organization.id, (n, e) => `${n}\n${e}`.toLowerCase().includes('ada')),
    );
    expect(await listAll(api, { organizationId: organization.id, query: 'nobody-like-this' })).toEqual([]);
    // Padding is trimmed; a query of spaces only is bad input.
    expect(await listAll(api, { organizationId: organization.id, query: '  grace  ' })).toEqual([
      grace.membership.id,
    ]);
    expect(await reasonOfRefusal(api.members.list({ organizationId: organization.id, query: '   ' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await reasonOfRefusal(api.members.list({ organizationId: organization.id, query: 'x'.repeat(101) })),
    ).toBe('VALIDATION_FAILED');
  });

  it('takes % and _ literally', async () => {
    const organization = await createOrganization(t.db);
    const percent = await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `100% sure ${uniqueSuffix()}` }),
    );
    await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `1000 sure ${uniqueSuffix()}` }),
    );
    const underscore = await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `snake_case ${uniqueSuffix()}` }),
    );
    await addMember(
      t.db,
      organization.id,
      'member',
      await createUser(t.db, { name: `snakeXcase ${uniqueSuffix()}` }),
    );
    const api = callerFor(t.db, organization.owner.user);
    expect(await listAll(api, { organizationId: organization.id, query: '100%' })).toEqual([
      percent.membership.id,
    ]);
    expect(await listAll(api, { organizationId: organization.id, query: 'e_c' })).toEqual([
      underscore.membership.id,
    ]);
    expect(await listAll(api, { organizationId: organization.id, query: '\\' })).toEqual([]);
  });

  it('filters by role, alone and with a query, agreeing with the rows in the database', async () => {
    const s = uniqueSuffix();
    const organization = await createOrganization(t.db);
    const roles = ['member', 'viewer', 'admin', 'member', 'viewer', 'member', 'admin'] as const;
    for (const [i, role] of roles.entries()) {
      await addMember(
        t.db,
        organization.id,
        role,
        await createUser(t.db, { name: `${i % 2 ? 'Kim' : 'Lee'} ${s} ${i}` }),
      );
    }
    const api = callerFor(t.db, organization.owner.user);
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      expect(await listAll(api, { organizationId: organization.id, role })).toEqual(
        await expected(organization.id, (_n, _e, r) => r === role),
      );
      expect(await listAll(api, { organizationId: organization.id, role, query: 'kim' })).toEqual(
        await expected(organization.id, (n, _e, r) => r === role && n.toLowerCase().includes('kim')),
      );
    }
    expect(await listAll(api, { organizationId: organization.id, role: 'admin' })).toHaveLength(2);
    expect(
      await reasonOfRefusal(api.members.list({ organizationId: organization.id, role: 'king' as never })),
    ).toBe('VALIDATION_FAILED');
  });

  it('is the same guard as the plain list: outsiders get ORGANIZATION_NOT_FOUND', async () => {
    const organization = await createOrganization(t.db);
    const outsider = await createUser(t.db);
    expect(
      await reasonOfRefusal(
        callerFor(t.db, outsider).members.list({ organizationId: organization.id, query: 'a' }),
      ),
    ).toBe('ORGANIZATION_NOT_FOUND');
  });

  it('has the trigram indexes that serve the search', async () => {
    const { rows } = await sql<{ indexname: string }>`
      select indexname from pg_indexes where indexname in ('users_name_trgm_idx', 'users_email_trgm_idx', 'memberships_active_role_keyset_idx')
      order by indexname`.execute(t.db);
    expect(rows.map((r) => r.indexname)).toEqual([
      'memberships_active_role_keyset_idx',
      'users_email_trgm_idx',
      'users_name_trgm_idx',
    ]);
  });
});
