import { type Kysely, sql } from 'kysely';

/**
 * Member search (`members.list({ query, role })`).
 *
 * - `query` matches anywhere in a member's name or email (`ilike '%…%'`), served by trigram GIN indexes
 *   on `users.name` and `users.email` (pg_trgm: shipped with PostgreSQL as a trusted extension, loaded in
 *   PGlite from `@electric-sql/pglite/contrib/pg_trgm`). A prefix (b-tree `text_pattern_ops`) index would
 *   only find "Ada…", never "…Lovelace" or "…@example.com"; trigrams serve both, from 3 characters on.
 *   How a search page uses them (and when it walks the keyset index instead): `searchActiveMembersPage`
 *   in `@roster/api`'s queries/memberships.ts.
 * - `role` keeps the keyset order with an index of its own, so "the owners of a 100,000-member
 *   organization" reads the owners, not every member.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index users_name_trgm_idx on users using gin (name gin_trgm_ops)`.execute(db);
  await sql`create index users_email_trgm_idx on users using gin (email gin_trgm_ops)`.execute(db);
  await db.schema
    .createIndex('memberships_active_role_keyset_idx')
    .on('memberships')
    .columns(['organization_id', 'role', 'created_at', 'id'])
    .where(sql.ref('status'), '=', 'active')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('memberships_active_role_keyset_idx').execute();
  await db.schema.dropIndex('users_email_trgm_idx').execute();
  await db.schema.dropIndex('users_name_trgm_idx').execute();
}
