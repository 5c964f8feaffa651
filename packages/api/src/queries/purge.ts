import type { Database } from '@roster/db';
import { sql, type Transaction } from 'kysely';

type Trx = Transaction<Database>;

/**
 * Claims one organization whose deletion grace period is over: `FOR UPDATE SKIP LOCKED`, so several purge
 * workers (server replicas) never take the same one, and the row lock serializes the purge with every
 * membership change and restore of that organization (they take `FOR NO KEY UPDATE` on it first).
 */
export async function claimDueOrganization(trx: Trx) {
  return trx
    .selectFrom('organizations')
    .select(['id', 'slug', 'deletion_scheduled_at', 'deletion_due_at'])
    .where('status', '=', 'deletion_scheduled')
    .where('deletion_due_at', '<=', sql<Date>`now()`)
    .orderBy('deletion_due_at')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** Ends up to `limit` active memberships of the organization (`removal_reason = 'organization_deleted'`). */
export async function endMembershipsBatch(trx: Trx, organizationId: string, limit: number): Promise<number> {
  const ended = await trx
    .updateTable('memberships')
    .set({
      status: 'removed',
      removed_at: sql<Date>`now()`,
      removed_by: null,
      removal_reason: 'organization_deleted',
    })
    .where(
      'id',
      'in',
      trx
        .selectFrom('memberships')
        .select('id')
        .where('organization_id', '=', organizationId)
        .where('status', '=', 'active')
        .limit(limit),
    )
    .returning('id')
    .execute();
  return ended.length;
}

export interface PurgedAccess {
  memberships: number;
  apiKeys: number;
  invitations: number;
  sessionsCleared: number;
}

/**
 * The last step of a purge, once no membership is active: revokes the organization's live API keys and
 * pending invitations, clears every session's active-organization pointer to it, and marks it `deleted`
 * (which frees its slug). One statement; answers what was revoked, and how many memberships the purge
 * ended over all its batches.
 */
export async function finishOrganizationDeletion(trx: Trx, organizationId: string): Promise<PurgedAccess> {
  const result = await sql<{ memberships: number; api_keys: number; invitations: number; sessions: number }>`
    with keys as (
      update api_keys set revoked_at = now(), revoked_reason = 'organization_deleted'
      where organization_id = ${organizationId} and revoked_at is null
      returning id
    ), invitations as (
      update invitations set status = 'revoked', revoked_at = now(), revoked_by = null
      where organization_id = ${organizationId} and status = 'pending'
      returning id
    ), sessions as (
      update sessions set active_organization_id = null
      where active_organization_id = ${organizationId}
      returning id
    ), offers as (
      update ownership_offers set status = 'voided', resolved_at = now()
      where organization_id = ${organizationId} and status = 'pending'
      returning id
    ), organization as (
      update organizations set status = 'deleted', deleted_at = now()
      where id = ${organizationId} and status = 'deletion_scheduled'
      returning id
    )
    select
      (select count(*)::int from memberships
        where organization_id = ${organizationId} and removal_reason = 'organization_deleted') as memberships,
      (select count(*)::int from keys) as api_keys,
      (select count(*)::int from invitations) as invitations,
      (select count(*)::int from sessions) as sessions,
      (select count(*)::int from organization) as organization
  `.execute(trx);
  const row = result.rows[0]!;
  return {
    memberships: Number(row.memberships),
    apiKeys: Number(row.api_keys),
    invitations: Number(row.invitations),
    sessionsCleared: Number(row.sessions),
  };
}
