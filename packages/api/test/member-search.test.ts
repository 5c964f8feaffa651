import type { Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor } from '../src/pagination';
import {
  hasTrigram,
  listActiveMembersPage,
  SEARCH_MATCHED_USERS_CAP,
  SEARCH_WALK_ROWS,
} from '../src/queries/memberships';
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
  input: { organizationId: string; query?: string; role?: Role },
  limit = 2,
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof api.members.list>> = await api.members.list({
      ...input,
      limit,
      cursor,
    });
    ids.push(...page.items.map((item) => item.id));
    // A cursor that does not move on would page forever.
    if (page.nextCursor !== null && page.nextCursor === cursor) throw new Error('the cursor did not move on');
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

describe('members.list search in an organization larger than the first walk', () => {
  // A search walks SEARCH_WALK_ROWS memberships first, then looks the query up in the trigram indexes
  // (at most SEARCH_MATCHED_USERS_CAP users), else walks on (see searchActiveMembersPage). This
  // organization has more members than the first walk, and one query matches more users than the cap,
  // so every way a page is read runs here; each listing must still be exactly what the rows say.
  const size = SEARCH_WALK_ROWS + 300;
  const s = uniqueSuffix();
  /** Members by joining position n (1..size), after the owner; everyone else is `Member <s> <n>`. */
  const special: Record<number, string> = {
    5: `Haystack ${s} 5`,
    12: `Needle ${s} 12`,
    1103: `Needle ${s} 1103`,
    1111: `Pct 100% ${s}`,
    1150: `Haystack ${s} 1150`,
    1163: `Haystack ${s} 1163`,
    1222: `Snake_${s}`,
    1233: `Tilde ${s} ~%~`,
    1244: `Back\\slash ${s}`,
    1270: `Haystack ${s} 1270`,
    1282: `Needle ${s} 1282`,
    1292: `Needle ${s} 1292`,
    1296: `Needle ${s} 1296`,
  };
  /** `member` mostly: more members of that role than the first walk reads. */
  const roleAt = (n: number): Role => (n % 10 === 3 ? 'admin' : n % 10 === 7 ? 'viewer' : 'member');
  let organizationId: string;
  let api: ReturnType<typeof callerFor>;
  /** Membership id -> joining position, to read failures. */
  const positionOf = new Map<string, number>();

  beforeAll(async () => {
    const organization = await createOrganization(t.db);
    organizationId = organization.id;
    api = callerFor(t.db, organization.owner.user);
    const positions = Array.from({ length: size }, (_, i) => i + 1);
    const users = await t.db
      .insertInto('users')
      .values(
        positions.map((n) => ({ email: `m${n}-${s}@search.test`, name: special[n] ?? `Member ${s} ${n}` })),
      )
      .returning(['id', 'email'])
      .execute();
    const userAt = new Map(users.map((u) => [Number(/^m(\d+)-/.exec(u.email)?.[1]), u.id]));
    const joined = Date.now() + 60_000;
    const memberships = await t.db
      .insertInto('memberships')
      .values(
        positions.map((n) => ({
          organization_id: organizationId,
          user_id: userAt.get(n) as string,
          role: roleAt(n),
          created_at: new Date(joined + n * 1000),
        })),
      )
      .returning(['id', 'user_id'])
      .execute();
    const positionOfUser = new Map([...userAt].map(([n, id]) => [id, n]));
    for (const m of memberships) positionOf.set(m.id, positionOfUser.get(m.user_id) as number);
    // A needle who left (between 1282 and 1292) and one in another organization: never listed here.
    const gone = await createUser(t.db, { name: `Needle ${s} gone` });
    await t.db
      .insertInto('memberships')
      .values({
        organization_id: organizationId,
        user_id: gone.id,
        role: 'member',
        status: 'removed',
        removed_at: new Date(),
        removal_reason: 'left',
        created_at: new Date(joined + 1285 * 1000),
      })
      .execute();
    const other = await createOrganization(t.db);
    await addMember(t.db, other.id, 'member', await createUser(t.db, { name: `Needle ${s} elsewhere` }));
    // More users matching "haystack <s>" than a search joins, none of them members here.
    await t.db
      .insertInto('users')
      .values(
        Array.from({ length: SEARCH_MATCHED_USERS_CAP + 1 }, (_, k) => ({
          email: `h${k}-${s}@search.test`,
          name: `Haystack ${s} x${k}`,
        })),
      )
      .execute();
  });

  /** How the first page (after `cursor`) of a search is read, and the joining positions it holds. */
  async function firstPage(
    query: string,
    options: { role?: Role; cursor?: string | null; limit?: number } = {},
  ) {
    const rows = await listActiveMembersPage(t.db, {
      organizationId,
      after: options.cursor ? decodeCursor(options.cursor) : null,
      limit: options.limit ?? 2,
      query,
      role: options.role,
    });
    return { via: [...new Set(rows.map((r) => r.via))], positions: rows.map((r) => positionOf.get(r.id)) };
  }

  const positions = (ids: string[]) => ids.map((id) => positionOf.get(id));
  const contains = (query: string) => (name: string, email: string) =>
    `${name}\n${email}`.toLowerCase().includes(query.toLowerCase());

  it('a query most members match is read by the keyset walk, a page at a time', async () => {
    // Every seeded member matches the suffix (not the owner).
    expect(await firstPage(s, { limit: 50 })).toEqual({
      via: ['walk'],
      positions: Array.from({ length: 51 }, (_, i) => i + 1),
    });
    const all = await listAll(api, { organizationId, query: s }, 100);
    expect(all).toEqual(await expected(organizationId, contains(s)));
    expect(all).toHaveLength(size);
  });

  it('a selective query is read through the trigram indexes, and pages on by the cursor', async () => {
    const query = `needle ${s}`;
    // The first walk finds only 12; the rest lie beyond it.
    expect(await firstPage(query)).toEqual({ via: ['match'], positions: [12, 1103, 1282] });
    const pages: Array<Array<number | undefined>> = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof api.members.list>> = await api.members.list({
        organizationId,
        query,
        limit: 2,
        cursor,
      });
      pages.push(positions(page.items.map((item) => item.id)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([[12, 1103], [1282, 1292], [1296]]);
    expect(await listAll(api, { organizationId, query })).toEqual(
      await expected(organizationId, contains(query)),
    );
    // A cursor in the middle of the matches, with the rest beyond the walk from there: 1103, 1282, 1292.
    const afterTwelve = (await api.members.list({ organizationId, query, limit: 1 })).nextCursor;
    expect(await firstPage(query, { cursor: afterTwelve })).toEqual({
      via: ['match'],
      positions: [1103, 1282, 1292],
    });
    // From 1103 on, the walk reaches the end of the organization: it settles the page itself.
    const afterEleven03 = (await api.members.list({ organizationId, query, limit: 2 })).nextCursor;
    expect(await firstPage(query, { cursor: afterEleven03 })).toEqual({
      via: ['walk'],
      positions: [1282, 1292, 1296],
    });
  });

  it('role and query together, through the trigram indexes too', async () => {
    const query = `needle ${s}`;
    expect(await firstPage(query, { role: 'member' })).toEqual({
      via: ['match'],
      positions: [12, 1282, 1292],
    });
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      expect(await listAll(api, { organizationId, query, role })).toEqual(
        await expected(organizationId, (n, e, r) => r === role && contains(query)(n, e)),
      );
    }
    expect(positions(await listAll(api, { organizationId, query, role: 'admin' }))).toEqual([1103]);
  });

  it('a query more users match than the trigram lookup takes, but few members here, walks on', async () => {
    const query = `haystack ${s}`;
    expect(await firstPage(query)).toEqual({ via: ['scan'], positions: [5, 1150, 1163] });
    expect(positions(await listAll(api, { organizationId, query }))).toEqual([5, 1150, 1163, 1270]);
    // After 5, the next walk of SEARCH_WALK_ROWS finds nothing and the organization goes on: walks on.
    const afterFive = (await api.members.list({ organizationId, query, limit: 1 })).nextCursor;
    expect(await firstPage(query, { cursor: afterFive })).toEqual({
      via: ['scan'],
      positions: [1150, 1163, 1270],
    });
    // The members among them: 5 and 1150 within the first walk of members, 1270 beyond it.
    expect(await firstPage(query, { role: 'member' })).toEqual({ via: ['scan'], positions: [5, 1150, 1270] });
    for (const role of ['admin', 'member'] as const) {
      expect(await listAll(api, { organizationId, query, role })).toEqual(
        await expected(organizationId, (n, e, r) => r === role && contains(query)(n, e)),
      );
    }
  });

  it('takes %, _ and \\ literally through the trigram indexes', async () => {
    expect(await firstPage('100%')).toEqual({ via: ['match'], positions: [1111] });
    // Unescaped, "e_<s>" would also match "Needle <s>" and "Haystack <s>"... ("e <s>").
    expect(await firstPage(`e_${s}`)).toEqual({ via: ['match'], positions: [1222] });
    expect(await firstPage(`k\\slash ${s}`)).toEqual({ via: ['match'], positions: [1244] });
    expect(positions(await listAll(api, { organizationId, query: `e_${s}` }))).toEqual([1222]);
    // No trigram to look up (as pg_trgm pads words: see hasTrigram): the users are read from the table.
    expect(['zq', 'x@', '~%~', 'é'].filter(hasTrigram)).toEqual([]);
    expect(['ada', 'lu-1@', '@x', 'a q', 'éé.'].every(hasTrigram)).toBe(true);
    expect(await firstPage('~%~')).toEqual({ via: ['match'], positions: [1233] });
  });
});
