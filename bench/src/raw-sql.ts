import type pg from 'pg';
import { connectWithRetry } from './database';

/**
 * The limit: the same logical transaction as one leave or removal — lock the organization row, read
 * the actor's and the target's memberships and the owner count, decide, soft-delete, revoke (API
 * keys, session pointers, pending invitations), audit, outbox — as prepared statements on a bare
 * node-postgres connection, with as few round trips as a correct check-then-write allows: BEGIN sent
 * with the lock and the read under it in one call (`roster_lock_membership_change`, the PL/pgSQL function
 * Roster uses too: the read is a statement of its own inside it, so that in READ COMMITTED it sees
 * everything committed before the lock was granted; node-postgres's pipeline mode sends BEGIN and the
 * call without waiting in between, as `@roster/db` does), one data-modifying CTE for every write,
 * COMMIT — 3 round trips. No HTTP, no framework.
 */
const Q = {
  /** The lock and the read under it in one round trip: the function Roster's migrations install. */
  lockAndRead: {
    name: 'b_lock_read',
    text: `select locked, organization_status, active_owner_count as owners, actor_id, actor_role,
                  target_id, target_role, next_id, next_slug
           from roster_lock_membership_change($1, $2, null, $3, $4)`,
  },
  write: {
    name: 'b_write',
    text: `with ended as (
             update memberships set status = 'removed', removed_at = now(), removed_by = $3, removal_reason = $4
             where id = $2 and organization_id = $1 and status = 'active'
             returning id, user_id, role
           ), keys as (
             update api_keys set revoked_at = now(), revoked_reason = $5
             where organization_id = $1 and created_by = $6 and revoked_at is null and exists (select 1 from ended)
             returning id
           ), cleared as (
             update sessions set active_organization_id = null
             where user_id = $6 and active_organization_id = $1 and exists (select 1 from ended)
             returning id
           ), invites as (
             update invitations set status = 'revoked', revoked_at = now(), revoked_by = $3
             where organization_id = $1 and invited_by = $6 and status = 'pending' and exists (select 1 from ended)
             returning id
           ), audit as (
             insert into audit_log (organization_id, action, actor_user_id, target_user_id, target_membership_id, metadata)
             select $1, $7, $3, e.user_id, e.id,
                    jsonb_build_object('role', e.role, 'revoked', jsonb_build_object(
                      'apiKeyIds', (select coalesce(jsonb_agg(id), '[]') from keys),
                      'invitationIds', (select coalesce(jsonb_agg(id), '[]') from invites),
                      'sessionsCleared', (select count(*) from cleared)))
             from ended e
             returning id
           ), event as (
             insert into outbox_events (organization_id, type, payload)
             select $1, 'member.removed',
                    jsonb_build_object('organizationId', $1::uuid, 'membershipId', e.id, 'userId', e.user_id,
                      'role', e.role, 'reason', $4::text, 'actor', jsonb_build_object('userId', $3::uuid),
                      'revoked', jsonb_build_object('apiKeys', (select count(*) from keys),
                                                    'invitations', (select count(*) from invites)))
             from ended e
             returning id
           )
           select (select count(*)::int from ended) as ended, (select count(*)::int from audit) as audited,
                  (select count(*)::int from event) as events`,
  },
} as const;

export interface RawOp {
  organizationId: string;
  /** Who acts: the leaver, or the admin who removes. */
  actorUserId: string;
  targetUserId: string;
  targetMembershipId: string;
}

export class RawSqlWorker {
  constructor(
    readonly client: pg.Client,
    /** Send each statement unnamed (parsed and planned every time, as Kysely does) instead of prepared once. */
    readonly unprepared = false,
  ) {}

  static async connect(url: string, unprepared = false): Promise<RawSqlWorker> {
    return new RawSqlWorker(await connectWithRetry({ connectionString: url, pipeline: true }), unprepared);
  }

  private q<T extends { name: string; text: string }>(query: T, values: unknown[]) {
    return this.client.query(this.unprepared ? { text: query.text, values } : { ...query, values });
  }

  async run(op: RawOp): Promise<void> {
    const c = this.client;
    const leaving = op.actorUserId === op.targetUserId;
    // BEGIN and the lock go out together (pipeline mode): one round trip.
    const begun = c.query('begin');
    const locked = this.q(Q.lockAndRead, [
      op.organizationId,
      op.actorUserId,
      leaving ? null : op.targetMembershipId,
      leaving,
    ]);
    try {
      const [, lockResult] = await Promise.all([begun, locked]);
      const s = lockResult.rows[0] as {
        locked: boolean;
        organization_status: string | null;
        owners: number;
        actor_id: string | null;
        actor_role: string | null;
        target_id: string | null;
        target_role: string | null;
      };
      if (!s.locked || s.organization_status !== 'active') throw new Error('organization not active');
      if (!s.actor_id || !s.target_id) throw new Error('not an active member');
      const allowed =
        leaving ||
        s.actor_role === 'owner' ||
        (s.actor_role === 'admin' && (s.target_role === 'member' || s.target_role === 'viewer'));
      if (!allowed) throw new Error('insufficient role');
      if (s.target_role === 'owner' && s.owners <= 1) throw new Error('last owner');
      const w = await this.q(Q.write, [
        op.organizationId,
        s.target_id,
        op.actorUserId,
        leaving ? 'left' : 'removed',
        leaving ? 'member_left' : 'member_removed',
        op.targetUserId,
        leaving ? 'member.left' : 'member.removed',
      ]);
      if (w.rows[0]?.ended !== 1) throw new Error('membership not ended');
      await c.query('commit');
    } catch (error) {
      await c.query('rollback');
      throw error;
    }
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
