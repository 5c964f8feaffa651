import type { OrganizationStatus, Role } from '@roster/db';
import { sql } from 'kysely';
import { type Db, KEYSET_TIME_FORMAT } from './db';

export interface MembershipChangeState {
  activeOwnerCount: number;
  /** The acting person's active membership; null for API keys or when it is no longer active. */
  actor: { id: string; role: Role } | null;
  /**
   * For an API key actor: the key, when it is still live (not revoked) in this organization — whom it
   * acts for, that person's active role now (see `apiKeyRole`) and whether it has expired since. A key
   * revoked by its creator's leave after the request authenticated is caught here, under the lock.
   */
  actorApiKey: (ApiKeyActsFor & { expired: boolean }) | null;
  /** The membership being changed, when it is active in this organization. */
  target: { id: string; role: Role; userId: string } | null;
  /** When the actor is the target (a leave): their most recently joined other active organization. */
  nextOrganization: { id: string; slug: string } | null;
}

export interface LockedOrganization {
  id: string;
  slug: string;
  name: string;
  status: OrganizationStatus;
  deletion_scheduled_at: Date | null;
  deletion_due_at: Date | null;
  deletion_due: boolean;
}

/**
 * Locks the organization row and reads everything a membership change decides on, in ONE round trip:
 * the `roster_lock_membership_change` function (migration 2026-11-30T0700) takes the lock (`FOR NO KEY
 * UPDATE`) in one statement and reads in the next, with a snapshot taken after the lock was granted,
 * so the read sees every change committed before (READ COMMITTED). It reads the active owner count, the
 * actor's and the target's active memberships, the acting key, and — for a leave, when the actor is
 * the target — where the leaver goes next. The lock is taken only for a caller who may be there
 * (`locked`); `organization` is null when the organization does not exist.
 * `targetMembershipId` null: the target is the actor's own membership.
 */
export async function lockForMembershipChange(
  trx: Db,
  params: {
    organizationId: string;
    actorUserId: string | null;
    actorApiKeyId: string | null;
    targetMembershipId: string | null;
    withNextOrganization: boolean;
  },
): Promise<MembershipChangeState & { locked: boolean; organization: LockedOrganization | null }> {
  const { organizationId } = params;
  const result = await sql<{
    locked: boolean;
    organization_found: boolean;
    organization_slug: string | null;
    organization_name: string | null;
    organization_status: OrganizationStatus | null;
    deletion_scheduled_at: Date | null;
    deletion_due_at: Date | null;
    deletion_due: boolean;
    active_owner_count: number;
    actor_id: string | null;
    actor_role: Role | null;
    actor_api_key_id: string | null;
    actor_api_key_expired: boolean;
    actor_api_key_acts_for: string | null;
    actor_api_key_person_role: Role | null;
    target_id: string | null;
    target_role: Role | null;
    target_user_id: string | null;
    next_id: string | null;
    next_slug: string | null;
  }>`
    select * from roster_lock_membership_change(${organizationId}::uuid, ${params.actorUserId}::uuid,
      ${params.actorApiKeyId}::uuid, ${params.targetMembershipId}::uuid, ${params.withNextOrganization}::boolean)
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('roster_lock_membership_change returned no row');
  return {
    locked: row.locked,
    organization: row.organization_found
      ? {
          id: organizationId,
          slug: row.organization_slug as string,
          name: row.organization_name as string,
          status: row.organization_status as OrganizationStatus,
          deletion_scheduled_at: row.deletion_scheduled_at,
          deletion_due_at: row.deletion_due_at,
          deletion_due: row.deletion_due,
        }
      : null,
    activeOwnerCount: Number(row.active_owner_count),
    actor: row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role } : null,
    actorApiKey:
      row.actor_api_key_id !== null
        ? {
            actsForUserId: row.actor_api_key_acts_for,
            personRole: row.actor_api_key_person_role,
            expired: row.actor_api_key_expired,
          }
        : null,
    target:
      row.target_id && row.target_role && row.target_user_id
        ? { id: row.target_id, role: row.target_role, userId: row.target_user_id }
        : null,
    nextOrganization: row.next_id && row.next_slug ? { id: row.next_id, slug: row.next_slug } : null,
  };
}

export async function insertMembership(
  trx: Db,
  values: { organizationId: string; userId: string; role: Role },
) {
  return trx
    .insertInto('memberships')
    .values({ organization_id: values.organizationId, user_id: values.userId, role: values.role })
    .returning(['id', 'organization_id', 'user_id', 'role', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function setMembershipRole(trx: Db, membershipId: string, role: Role) {
  await trx
    .updateTable('memberships')
    .set({ role })
    .where('id', '=', membershipId)
    .where('status', '=', 'active')
    .execute();
}

/** A live API key's person (null: the organization's own key) and that person's active role now. */
export interface ApiKeyActsFor {
  actsForUserId: string | null;
  personRole: Role | null;
}

/**
 * Whether a user with this email is an active member of the organization (invitations.create refuses
 * with ALREADY_MEMBER). Run it under the organization lock: a fresh snapshot.
 */
export async function isActiveMemberEmail(trx: Db, organizationId: string, email: string): Promise<boolean> {
  const row = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.id')
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .where('u.email', '=', email)
    .executeTakeFirst();
  return row !== undefined;
}

/** `text` as a LIKE pattern that matches it literally anywhere: `%`, `_` and `\\` lose their meaning. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface ActiveMembersPageParams {
  organizationId: string;
  after: { at: string; id: string } | null;
  limit: number;
  query?: string | undefined;
  role?: Role | undefined;
}

/** A row of `listActiveMembersPage`. */
export interface ActiveMemberRow {
  id: string;
  user_id: string;
  role: Role;
  created_at: Date;
  email: string;
  name: string;
  /** `created_at` as the cursor holds it (UTC, microseconds). */
  keyset_at: string;
  /** With `query`: how the page was read (see `searchActiveMembersPage`). */
  via?: SearchRoute;
}

/**
 * One page of the organization's active members in joining order ((created_at, id)), starting after
 * `after`; `limit + 1` rows, so the caller knows whether another page follows. `role` keeps one role
 * (its own keyset index, memberships_active_role_keyset_idx); `query` keeps the members whose name or
 * email contains it (case-insensitive), see `searchActiveMembersPage`. Without `query`: the keyset
 * index memberships_active_keyset_idx, read from the cursor on, a page's worth of rows.
 *
 * `status = 'active'` is written into the statement, not bound: the keyset indexes are partial
 * (`where status = 'active'`), and a generic plan (a prepared statement after its fifth run) may only
 * use a partial index whose condition the statement itself proves.
 */
export async function listActiveMembersPage(
  db: Db,
  params: ActiveMembersPageParams,
): Promise<ActiveMemberRow[]> {
  if (params.query) return searchActiveMembersPage(db, { ...params, query: params.query });
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.user_id',
      'm.role',
      'm.created_at',
      'u.email',
      'u.name',
      sql<string>`to_char(m.created_at at time zone 'UTC', ${KEYSET_TIME_FORMAT})`.as('keyset_at'),
    ])
    .where('m.organization_id', '=', params.organizationId)
    .where('m.status', '=', sql.lit('active'));
  if (params.role) query = query.where('m.role', '=', params.role);
  if (params.after) {
    const { at, id } = params.after;
    query = query.where(sql<boolean>`(m.created_at, m.id) > (${at}::timestamptz, ${id}::uuid)`);
  }
  return query
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(params.limit + 1)
    .execute();
}

/** How many memberships a search walks in list order before it looks the query up in the trigram indexes. */
export const SEARCH_WALK_ROWS = 1000;
/** The most users matching a query that a search joins to the organization's memberships and sorts. */
export const SEARCH_MATCHED_USERS_CAP = 2000;

/**
 * Whether pg_trgm extracts a trigram from `query` searched as a `containsPattern`; without one its index
 * answers "every row" (GIN_SEARCH_MODE_ALL) and reads every entry. As pg_trgm does for a LIKE pattern:
 * each run of letters or digits is a word, padded with two blanks in front unless it starts the query
 * (a `%` precedes it) and one blank behind unless it ends it, and gives trigrams when that makes 3
 * characters: "ada", "lu-1@" ("lu "), "@x" ("  x") do; "zq", "x@", "~%~" do not. Letters and digits as a
 * UTF-8 locale has them; under LC_CTYPE C pg_trgm counts only ASCII ones.
 */
export function hasTrigram(query: string): boolean {
  for (const word of query.matchAll(/[\p{L}\p{N}]+/gu)) {
    const start = word.index;
    const end = start + word[0].length;
    if ([...word[0]].length + (start > 0 ? 2 : 0) + (end < query.length ? 1 : 0) >= 3) return true;
  }
  return false;
}

/** How a search page was read (see `searchActiveMembersPage`); tests and the bench look at it. */
export type SearchRoute = 'walk' | 'match' | 'scan';

/**
 * A search page: one statement that decides how to read while it runs, from what it finds, not from
 * the planner's estimate of how many members match. No estimate is reliable here: the planner cannot know
 * how many names contain a substring (its histogram guesses; the generic plan of a prepared statement,
 * which `@roster/db` uses after five runs, knows no pattern at all), and a wrong guess cost seconds at a
 * million members: walking every membership in list order, testing each user, for a query a handful of
 * them match. Always looking the query up in the trigram indexes instead would cost a query everybody
 * matches the whole index (a bitmap of every user, ~0.2 s at a million). So, in order, each step only
 * when the one before did not settle the page:
 *
 * 1. `walk`: the first SEARCH_WALK_ROWS memberships after the cursor, in list order (keyset index), each
 *    user probed and tested, until the page is full. Settled when it is (a query many members match: a
 *    page's worth of rows read) or when those were all the memberships left.
 * 2. `match`: the users whose name or email contains the query (trigram indexes; read from the table
 *    when the query has no trigram, see `hasTrigram`), at most SEARCH_MATCHED_USERS_CAP + 1 of them. If
 *    no more than the cap: each one's active membership here (one index probe per user), the page sorted
 *    out of those. A selective query costs its matches, not the organization's size.
 * 3. `scan`: more users than the cap match (in the whole database) yet few members in the first walk:
 *    the same walk from the cursor, unbounded, until the page is full.
 *
 * The plan has no choice that depends on the query's selectivity: the walks read the keyset index in
 * order, bounded or stopped by `limit + 1`, and probe users one by one (a LATERAL subquery with a LIMIT
 * is never turned into a join over all users); the trigram lookup is capped and each match probes its
 * membership the same way (never a hash join over the whole organization); a branch whose step is not
 * taken never runs (a one-time filter on `route`), and a CTE nobody reads is never computed. The caps
 * also keep the plan's estimated cost low, so PostgreSQL does not JIT-compile it (`jit_above_cost`) for
 * branches that do not run.
 */
async function searchActiveMembersPage(
  db: Db,
  params: ActiveMembersPageParams & { query: string },
): Promise<ActiveMemberRow[]> {
  const { organizationId, role, after } = params;
  const pageRows = params.limit + 1;
  const pattern = containsPattern(params.query);
  const walkRows = sql.lit(SEARCH_WALK_ROWS);
  const cap = SEARCH_MATCHED_USERS_CAP;
  // The memberships a page may hold (alias m): this organization's active ones, of one role, after the cursor.
  const onPage = sql<boolean>`m.organization_id = ${organizationId} and m.status = 'active'${
    role ? sql` and m.role = ${role}` : sql``
  }${after ? sql` and (m.created_at, m.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}`;
  // The user (alias u) matches the query.
  const matches = sql<boolean>`(u.name ilike ${pattern} or u.email ilike ${pattern})`;
  // Membership m's user, when they match: one primary-key probe per membership.
  const matchingUser = sql`select u.email, u.name from users u where u.id = m.user_id and ${matches} limit 1`;
  // A query pg_trgm finds no trigram in would read every entry of the trigram indexes (over a second at a
  // million users): those users are read from the table instead, the same cap stopping the read (`offset 0`
  // keeps the condition off the indexes).
  const users = hasTrigram(params.query) ? sql`users u` : sql`(select id, email, name from users offset 0) u`;
  const { rows } = await sql<ActiveMemberRow>`
    with walked as materialized (
      select m.id, m.user_id, m.role, m.created_at, u.email, u.name
      from (
        select m.id, m.user_id, m.role, m.created_at from memberships m
        where ${onPage}
        order by m.created_at, m.id
        limit ${walkRows}
      ) m
      cross join lateral (${matchingUser}) u
      order by m.created_at, m.id
      limit ${pageRows}
    ),
    matched as materialized (
      select u.id, u.email, u.name from ${users} where ${matches} limit ${sql.lit(cap + 1)}
    ),
    route as materialized (
      select case
        when (select count(*) from walked) = ${pageRows}
          or (select count(*) from (
                select 1 from memberships m where ${onPage} order by m.created_at, m.id limit ${walkRows}
              ) walkable) < ${walkRows}
          then 'walk'
        when (select count(*) from matched) <= ${sql.lit(cap)} then 'match'
        else 'scan'
      end as via
    )
    select page.*, to_char(page.created_at at time zone 'UTC', ${KEYSET_TIME_FORMAT}) as keyset_at
    from (
      (select walked.*, 'walk' as via from walked where (select via from route) = 'walk')
      union all
      (select m.id, m.user_id, m.role, m.created_at, u.email, u.name, 'match' as via
       from matched u
       cross join lateral (
         select m.id, m.user_id, m.role, m.created_at from memberships m where m.user_id = u.id and ${onPage} limit 1
       ) m
       where (select via from route) = 'match'
       order by m.created_at, m.id
       limit ${pageRows})
      union all
      (select m.id, m.user_id, m.role, m.created_at, u.email, u.name, 'scan' as via
       from memberships m
       cross join lateral (${matchingUser}) u
       where (select via from route) = 'scan' and ${onPage}
       order by m.created_at, m.id
       limit ${pageRows})
    ) page
    order by page.created_at, page.id
    limit ${pageRows}
  `.execute(db);
  return rows;
}
