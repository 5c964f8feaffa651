import type { Role } from '@roster/db';
import { sql } from 'kysely';
import type { Db } from './db';

const OFFER_COLUMNS = [
  'id',
  'organization_id',
  'offered_by_membership_id',
  'target_membership_id',
  'target_role',
  'status',
  'created_at',
  'expires_at',
] as const;

/** An offer by id, with whether it has expired (by the database's clock). */
export async function findOwnershipOffer(db: Db, offerId: string) {
  return db
    .selectFrom('ownership_offers')
    .select(OFFER_COLUMNS)
    .select(sql<boolean>`expires_at <= now()`.as('expired'))
    .where('id', '=', offerId)
    .executeTakeFirst();
}

/**
 * Locks one offer row (accept, decline and cancel serialize on it, after the organization lock), with the
 * target's user id (for the audit entry's target). The user id is a subquery, so only the offer is locked.
 */
export async function lockOwnershipOffer(trx: Db, offerId: string) {
  return trx
    .selectFrom('ownership_offers')
    .select(OFFER_COLUMNS)
    .select(sql<boolean>`expires_at <= now()`.as('expired'))
    .select((eb) =>
      eb
        .selectFrom('memberships')
        .select('memberships.user_id')
        .whereRef('memberships.id', '=', 'ownership_offers.target_membership_id')
        .as('target_user_id'),
    )
    .where('id', '=', offerId)
    .forUpdate()
    .executeTakeFirst();
}

/** The organization's pending offer that has not expired, with both sides' names, or undefined. */
export async function findPendingOwnershipOffer(db: Db, organizationId: string) {
  return db
    .selectFrom('ownership_offers as o')
    .innerJoin('memberships as by', 'by.id', 'o.offered_by_membership_id')
    .innerJoin('users as byUser', 'byUser.id', 'by.user_id')
    .innerJoin('memberships as target', 'target.id', 'o.target_membership_id')
    .innerJoin('users as targetUser', 'targetUser.id', 'target.user_id')
    .select([
      'o.id',
      'o.target_role',
      'o.created_at',
      'o.expires_at',
      'by.id as by_membership_id',
      'byUser.id as by_user_id',
      'byUser.name as by_name',
      'byUser.email as by_email',
      'target.id as target_membership_id',
      'targetUser.id as target_user_id',
      'targetUser.name as target_name',
      'targetUser.email as target_email',
    ])
    .where('o.organization_id', '=', organizationId)
    .where('o.status', '=', 'pending')
    .where('o.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Marks the organization's pending offer `expired` if it has lapsed, so a new one may be made. */
export async function retireExpiredOwnershipOffer(trx: Db, organizationId: string) {
  await trx
    .updateTable('ownership_offers')
    .set({ status: 'expired', resolved_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}

export async function insertOwnershipOffer(
  trx: Db,
  values: {
    organizationId: string;
    offeredByMembershipId: string;
    targetMembershipId: string;
    targetRole: Role;
    ttlMs: number;
  },
) {
  return trx
    .insertInto('ownership_offers')
    .values({
      organization_id: values.organizationId,
      offered_by_membership_id: values.offeredByMembershipId,
      target_membership_id: values.targetMembershipId,
      target_role: values.targetRole,
      expires_at: sql<Date>`now() + make_interval(secs => ${values.ttlMs / 1000})`,
    })
    .returning(['id', 'expires_at', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** Settles a pending offer (accepted, declined, cancelled); undefined when it was no longer pending. */
export async function resolveOwnershipOffer(
  trx: Db,
  offerId: string,
  status: 'accepted' | 'declined' | 'cancelled',
  resolvedBy: string,
) {
  return trx
    .updateTable('ownership_offers')
    .set({ status, resolved_at: sql<Date>`now()`, resolved_by: resolvedBy })
    .where('id', '=', offerId)
    .where('status', '=', 'pending')
    .returning(['id', 'status'])
    .executeTakeFirst();
}

/**
 * The offer dies with a change of either side: voids the organization's pending offer made by or to one
 * of `membershipIds` (a role change, an ownership transfer). Leaves and removals do the same inside
 * `endMembershipAndRevokeAccess`'s statement; the purge inside `finishOrganizationDeletion`'s.
 */
export async function voidOwnershipOffersOf(trx: Db, organizationId: string, membershipIds: string[]) {
  const voided = await trx
    .updateTable('ownership_offers')
    .set({ status: 'voided', resolved_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb('offered_by_membership_id', 'in', membershipIds),
        eb('target_membership_id', 'in', membershipIds),
      ]),
    )
    .returning('id')
    .execute();
  return voided.map((row) => row.id);
}
