import type { RemovalReason } from '@roster/db';
import { sql } from 'kysely';
import type { AuditAction } from '../audit-actions';
import type { RosterEventPayloads } from '../events/types';
import type { Db } from './db';

export interface RevokedAccess {
  apiKeyIds: string[];
  /** Keys kept through a removal (`keepApiKeys`): now the organization's own, acting for nobody. */
  keptApiKeyIds: string[];
  invitationIds: string[];
  /** How many of the member's sessions pointed at the organization as their active one. */
  sessionsCleared: number;
  /** The pending ownership offer made by or to the member, voided with the membership. */
  ownershipOfferIds: string[];
}

/**
 * Ends a membership, revokes what the member held in the organization and writes the change's audit
 * entry and outbox event, in ONE statement (data-modifying CTEs on different tables, all under the
 * caller's organization lock):
 * - the membership becomes `removed` (removed_at, removed_by, removal_reason);
 * - the API keys that act for the member in the organization are revoked, or with `keepApiKeys` become
 *   the organization's own (acting for nobody, so never again in the removed person's name);
 * - their sessions' active-organization pointer to it is cleared;
 * - the invitations they sent there that are still pending are revoked;
 * - a pending ownership offer made by or to them is voided;
 * - the audit entry (`audit.action`, its metadata: `audit.metadata` plus what was revoked, by id) and
 *   the `member.removed` event (`event`, plus how many keys and invitations were revoked) are written —
 *   only when the membership was ended, and with exactly the ids this statement revoked.
 * Returns null when the membership was not active (the caller re-checked under the lock, so this
 * means a bug rather than a race).
 */
export async function endMembershipAndRevokeAccess(
  trx: Db,
  params: {
    organizationId: string;
    membershipId: string;
    userId: string;
    reason: RemovalReason;
    /** The person who ended it; null for an API key (the audit row names the key). */
    removedBy: string | null;
    keepApiKeys: boolean;
    audit: {
      action: Extract<AuditAction, 'member.left' | 'member.removed'>;
      actorUserId: string | null;
      actorApiKeyId: string | null;
      /** The metadata besides `revoked` and `keptApiKeyIds`, which the statement adds. */
      metadata: Record<string, unknown>;
    };
    /** The `member.removed` payload besides `revoked`, which the statement adds. */
    event: Omit<RosterEventPayloads['member.removed'], 'revoked'>;
  },
): Promise<RevokedAccess | null> {
  const { organizationId, membershipId, userId, audit } = params;
  const keyReason = params.reason === 'left' ? 'member_left' : 'member_removed';
  const result = await sql<{
    ended: number;
    api_key_ids: string[];
    kept_api_key_ids: string[];
    invitation_ids: string[];
    sessions_cleared: number;
    ownership_offer_ids: string[];
  }>`
    with ended as (
      update memberships
      set status = 'removed', removed_at = now(), removed_by = ${params.removedBy}::uuid,
          removal_reason = ${params.reason}
      where id = ${membershipId} and organization_id = ${organizationId} and status = 'active'
      returning id
    ), keys as (
      update api_keys
      set revoked_at = now(), revoked_reason = ${keyReason}
      where organization_id = ${organizationId} and created_by = ${userId} and revoked_at is null
        and organization_owned_at is null and ${!params.keepApiKeys}::boolean
        and exists (select 1 from ended)
      returning id
    ), kept as (
      update api_keys
      set organization_owned_at = now()
      where organization_id = ${organizationId} and created_by = ${userId} and revoked_at is null
        and organization_owned_at is null and ${params.keepApiKeys}::boolean
        and exists (select 1 from ended)
      returning id
    ), cleared as (
      update sessions
      set active_organization_id = null
      where user_id = ${userId} and active_organization_id = ${organizationId}
        and exists (select 1 from ended)
      returning id
    ), invites as (
      update invitations
      set status = 'revoked', revoked_at = now(), revoked_by = ${params.removedBy}::uuid
      where organization_id = ${organizationId} and invited_by = ${userId} and status = 'pending'
        and exists (select 1 from ended)
      returning id
    ), offers as (
      -- An ownership offer dies with either side's membership.
      update ownership_offers
      set status = 'voided', resolved_at = now()
      where organization_id = ${organizationId} and status = 'pending'
        and (offered_by_membership_id = ${membershipId} or target_membership_id = ${membershipId})
        and exists (select 1 from ended)
      returning id
    ), revoked as (
      select
        (select count(*)::int from ended) as ended,
        coalesce((select jsonb_agg(id order by id) from keys), '[]'::jsonb) as api_key_ids,
        coalesce((select jsonb_agg(id order by id) from kept), '[]'::jsonb) as kept_api_key_ids,
        coalesce((select jsonb_agg(id order by id) from invites), '[]'::jsonb) as invitation_ids,
        (select count(*)::int from cleared) as sessions_cleared,
        coalesce((select jsonb_agg(id order by id) from offers), '[]'::jsonb) as ownership_offer_ids
    ), audit as (
      insert into audit_log
        (organization_id, action, actor_user_id, actor_api_key_id, target_user_id, target_membership_id, metadata)
      select ${organizationId}, ${audit.action}, ${audit.actorUserId}::uuid, ${audit.actorApiKeyId}::uuid,
        ${userId}::uuid, ${membershipId}::uuid,
        ${JSON.stringify(audit.metadata)}::jsonb
          || jsonb_build_object('revoked', jsonb_build_object('apiKeyIds', r.api_key_ids,
               'invitationIds', r.invitation_ids, 'sessionsCleared', r.sessions_cleared))
          -- Kept through the removal: now the organization's own keys.
          || case when jsonb_array_length(r.kept_api_key_ids) > 0
               then jsonb_build_object('keptApiKeyIds', r.kept_api_key_ids) else '{}'::jsonb end
      from revoked r where r.ended > 0
    ), event as (
      insert into outbox_events (organization_id, type, payload)
      select ${organizationId}, 'member.removed',
        ${JSON.stringify(params.event)}::jsonb
          || jsonb_build_object('revoked', jsonb_build_object('apiKeys', jsonb_array_length(r.api_key_ids),
               'invitations', jsonb_array_length(r.invitation_ids)))
      from revoked r where r.ended > 0
    )
    select * from revoked
  `.execute(trx);
  const row = result.rows[0];
  if (!row || Number(row.ended) === 0) return null;
  return {
    apiKeyIds: row.api_key_ids,
    keptApiKeyIds: row.kept_api_key_ids,
    invitationIds: row.invitation_ids,
    sessionsCleared: Number(row.sessions_cleared),
    ownershipOfferIds: row.ownership_offer_ids,
  };
}
