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
    .select(['id', 'slug', 'name', 'status', 'deletion_scheduled_at', 'deletion_due_at'])
    .select(sql<boolean>`coalesce(deletion_due_at <= now(), false)`.as('deletion_due'))
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
  return db
    .selectFrom('organizations')
    .select(['id'])
    .where('slug', '=', slug)
    .where('status', '<>', 'deleted')
    .executeTakeFirst();
}

/**
 * The organizations a user is an active member of, with their role and the organization's active owner
 * count (so a client can tell a sole owner they cannot leave before they try), by name.
 */
export async function listOrganizationsOfUser(db: Db, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.slug', 'o.name', 'o.status', 'o.deletion_due_at', 'm.role'])
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

/** Schedules an active organization's deletion for `graceDays` from now; undefined when it was not active. */
export async function markOrganizationDeletionScheduled(trx: Db, organizationId: string, graceDays: number) {
  return trx
    .updateTable('organizations')
    .set({
      status: 'deletion_scheduled',
      deletion_scheduled_at: sql<Date>`now()`,
      deletion_due_at: sql<Date>`now() + make_interval(days => ${graceDays})`,
    })
    .where('id', '=', organizationId)
    .where('status', '=', 'active')
    .returning(['id', 'status', 'deletion_scheduled_at', 'deletion_due_at'])
    .executeTakeFirst();
}

/** Cancels a scheduled deletion whose grace period is not over; undefined when there was none to cancel. */
export async function markOrganizationRestored(trx: Db, organizationId: string) {
  return trx
    .updateTable('organizations')
    .set({ status: 'active', deletion_scheduled_at: null, deletion_due_at: null })
    .where('id', '=', organizationId)
    .where('status', '=', 'deletion_scheduled')
    .where('deletion_due_at', '>', sql<Date>`now()`)
    .returning(['id', 'status'])
    .executeTakeFirst();
}

/** What `organizations.permissions` decides on besides the caller: the organization's status and owner count. */
export async function readOrganizationFacts(db: Db, organizationId: string) {
  const row = await db
    .selectFrom('organizations as o')
    .select(['o.status'])
    .select(sql<boolean>`coalesce(o.deletion_due_at <= now(), false)`.as('deletion_due'))
    .select(
      sql<boolean>`exists (select 1 from ownership_offers f where f.organization_id = o.id
        and f.status = 'pending' and f.expires_at > now())`.as('pending_offer'),
    )
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
  return row
    ? {
        status: row.status,
        activeOwnerCount: Number(row.active_owner_count ?? 0),
        deletionDue: row.deletion_due === true,
        pendingOwnershipOffer: row.pending_offer === true,
      }
    : null;
}

/** The organization's active owners (whom to tell about its deletion), with their address and language. */
export async function listActiveOwners(db: Db, organizationId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.locale'])
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .where('m.role', '=', 'owner')
    .orderBy('m.created_at')
    .execute();
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
