import { sql } from 'kysely';
import type { AuditAction } from '../audit-actions';
import type { RosterEvent } from '../events/types';
import { type Db, KEYSET_TIME_FORMAT } from './db';

export interface AuditEntryInput {
  organizationId: string;
  action: AuditAction;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  targetUserId?: string | null;
  targetMembershipId?: string | null;
  metadata?: Record<string, unknown>;
}

function auditValues(entry: AuditEntryInput) {
  return {
    organization_id: entry.organizationId,
    action: entry.action,
    actor_user_id: entry.actorUserId,
    actor_api_key_id: entry.actorApiKeyId,
    target_user_id: entry.targetUserId ?? null,
    target_membership_id: entry.targetMembershipId ?? null,
    metadata: JSON.stringify(entry.metadata ?? {}),
  };
}

export async function insertAuditEntry(trx: Db, entry: AuditEntryInput): Promise<void> {
  await trx.insertInto('audit_log').values(auditValues(entry)).execute();
}

/**
 * Writes the audit entry and the outbox event announcing the same change in one statement. Call it
 * inside the change's transaction: the event is delivered after commit, or never if it rolls back.
 */
export async function insertAuditEntryAndEvent(
  trx: Db,
  entry: AuditEntryInput,
  event: RosterEvent,
): Promise<void> {
  const a = auditValues(entry);
  await sql`
    with audit as (
      insert into audit_log
        (organization_id, action, actor_user_id, actor_api_key_id, target_user_id, target_membership_id, metadata)
      values (${a.organization_id}, ${a.action}, ${a.actor_user_id}::uuid, ${a.actor_api_key_id}::uuid,
              ${a.target_user_id}::uuid, ${a.target_membership_id}::uuid, ${a.metadata}::jsonb)
      returning id
    )
    insert into outbox_events (organization_id, type, payload)
    values (${entry.organizationId}, ${event.type}, ${JSON.stringify(event.payload)}::jsonb)
  `.execute(trx);
}

/** What auditLog.list and the export filter on; each is served by an index (see the 0600-3 migration). */
export interface AuditFilters {
  action?: string | undefined;
  actorUserId?: string | undefined;
  actorApiKeyId?: string | undefined;
  targetUserId?: string | undefined;
  /** Inclusive lower bound of `created_at` (ISO 8601). */
  from?: string | undefined;
  /** Exclusive upper bound of `created_at` (ISO 8601). */
  to?: string | undefined;
}

/** One page of the organization's audit log, newest first, starting after `after`, optionally filtered. */
export async function listAuditEntriesPage(
  db: Db,
  params: {
    organizationId: string;
    after: { at: string; id: string } | null;
    limit: number;
    filters?: AuditFilters;
  },
) {
  const f = params.filters ?? {};
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('users as actor', 'actor.id', 'a.actor_user_id')
    .leftJoin('api_keys as key', 'key.id', 'a.actor_api_key_id')
    .leftJoin('users as target', 'target.id', 'a.target_user_id')
    .select([
      'a.id',
      'a.action',
      'a.actor_user_id',
      'a.actor_api_key_id',
      'a.target_user_id',
      'a.target_membership_id',
      'a.metadata',
      'a.created_at',
      'actor.email as actor_email',
      'actor.name as actor_name',
      'key.name as actor_api_key_name',
      'key.prefix as actor_api_key_prefix',
      'target.email as target_email',
      'target.name as target_name',
      sql<string>`to_char(a.created_at at time zone 'UTC', ${KEYSET_TIME_FORMAT})`.as('keyset_at'),
    ])
    .where('a.organization_id', '=', params.organizationId);
  if (f.action) query = query.where('a.action', '=', f.action);
  if (f.actorUserId) query = query.where('a.actor_user_id', '=', f.actorUserId);
  if (f.actorApiKeyId) query = query.where('a.actor_api_key_id', '=', f.actorApiKeyId);
  if (f.targetUserId) query = query.where('a.target_user_id', '=', f.targetUserId);
  if (f.from) query = query.where('a.created_at', '>=', sql<Date>`${f.from}::timestamptz`);
  if (f.to) query = query.where('a.created_at', '<', sql<Date>`${f.to}::timestamptz`);
  if (params.after) {
    const { at, id } = params.after;
    query = query.where(sql<boolean>`(a.created_at, a.id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  return query
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(params.limit + 1)
    .execute();
}

export type AuditEntryRow = Awaited<ReturnType<typeof listAuditEntriesPage>>[number];
