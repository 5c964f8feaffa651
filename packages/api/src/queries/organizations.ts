import { sql } from 'kysely';
import type { Db } from './db';

/**
 * Locks the organization row for the rest of the transaction. Every membership change of the
 * organization takes this lock first, so they run one after another and each sees the previous one's
 * result. FOR NO KEY UPDATE conflicts with itself and FOR UPDATE, but not with the key-share locks that
 * inserts referencing the organization take (audit rows elsewhere are not held up).
 */
export async function lockOrganization(trx: Db, organizationId: string) {
  return trx
    .selectFrom('organizations')
    .select(['id', 'slug', 'name', 'status', 'deletion_scheduled_at'])
    .where('id', '=', organizationId)
    .forNoKeyUpdate()
    .executeTakeFirst();
}

export async function insertOrganization(trx: Db, values: { name: string; slug: string }) {
  return trx
    .insertInto('organizations')
    .values(values)
    .returning(['id', 'slug', 'name', 'status', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function findOrganizationBySlug(db: Db, slug: string) {
  return db.selectFrom('organizations').select(['id']).where('slug', '=', slug).executeTakeFirst();
}

/**
 * The organizations a user is an active member of, with their role and the organization's active owner
 * count (so a client can tell a sole owner they cannot leave before they try), by name.
 */
export async function listOrganizationsOfUser(db: Db, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.slug', 'o.name', 'm.role'])
    .select((eb) =>
      eb
        .selectFrom('memberships as owners')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('owners.organization_id', '=', 'o.id')
        .where('owners.status', '=', 'active')
        .where('owners.role', '=', 'owner')
        .as('active_owner_count'),
    )
    .where('m.user_id', '=', userId)
    .where('m.status', '=', 'active')
    .orderBy('o.name')
    .orderBy('o.id')
    .execute();
}

export async function markOrganizationDeletionScheduled(trx: Db, organizationId: string) {
  return trx
    .updateTable('organizations')
    .set({ status: 'deletion_scheduled', deletion_scheduled_at: sql<Date>`now()` })
    .where('id', '=', organizationId)
    .where('status', '=', 'active')
    .returning(['id', 'status', 'deletion_scheduled_at'])
    .executeTakeFirst();
}

/** What `organizations.permissions` decides on besides the caller: the organization's status and owner count. */
export async function readOrganizationFacts(db: Db, organizationId: string) {
  const row = await db
    .selectFrom('organizations as o')
    .select(['o.status'])
    .select((eb) =>
      eb
        .selectFrom('memberships as owners')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('owners.organization_id', '=', 'o.id')
        .where('owners.status', '=', 'active')
        .where('owners.role', '=', 'owner')
        .as('active_owner_count'),
    )
    .where('o.id', '=', organizationId)
    .executeTakeFirst();
  return row ? { status: row.status, activeOwnerCount: Number(row.active_owner_count ?? 0) } : null;
}

/** Sets the organization's name and slug; a taken slug fails with unique_violation on organizations_slug_key. */
export async function updateOrganizationNameAndSlug(
  trx: Db,
  organizationId: string,
  values: { name: string; slug: string },
) {
  return trx
    .updateTable('organizations')
    .set(values)
    .where('id', '=', organizationId)
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
}
