import { type Kysely, sql } from 'kysely';

/**
 * `roster_lock_membership_change`: the organization lock and the read under it, in ONE round trip.
 *
 * Every membership change (leave, removal, role change, transfer, ownership offer) locks the
 * organization row and then reads what it decides on — the actor, the target, the active owner count.
 * Under READ COMMITTED the read must be a statement of its own, started after the lock was granted: a
 * statement's snapshot is taken when it starts, so a read in the locking statement would miss the
 * change it waited for. Two statements were two round trips. A PL/pgSQL function runs both in one call,
 * each with its own snapshot (a VOLATILE function takes a fresh snapshot for every statement it runs),
 * so the read still sees every change committed before the lock was granted.
 *
 * The lock is taken only for a caller that may be there before the lock (an active member, or a live
 * key of the organization): a stranger never holds up an organization. Whatever happens, the function
 * answers one row read after the lock: `locked` says whether it was taken; an organization that does
 * not exist answers `organization_found = false`. The caller decides (and refuses) in TypeScript, with
 * the rules of `@roster/api` (`rules.ts`); nothing is decided here.
 *
 * - `p_target_membership_id` null: the target is the actor's own membership (a leave).
 * - `p_next_organization`: also read, when the actor is the target, their most recently joined other
 *   active organization (where a leaver goes next).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function roster_lock_membership_change(
      p_organization_id uuid,
      p_actor_user_id uuid,
      p_actor_api_key_id uuid,
      p_target_membership_id uuid,
      p_next_organization boolean
    )
    returns table (
      locked boolean,
      organization_found boolean,
      organization_slug text,
      organization_name text,
      organization_status text,
      deletion_scheduled_at timestamptz,
      deletion_due_at timestamptz,
      deletion_due boolean,
      active_owner_count integer,
      actor_id uuid,
      actor_role text,
      actor_api_key_id uuid,
      actor_api_key_expired boolean,
      actor_api_key_acts_for uuid,
      actor_api_key_person_role text,
      target_id uuid,
      target_role text,
      target_user_id uuid,
      next_id uuid,
      next_slug text
    )
    language plpgsql volatile
    as $fn$
    #variable_conflict use_column
    declare
      v_locked boolean;
    begin
      perform 1 from organizations o
      where o.id = p_organization_id
        and (
          exists (select 1 from memberships m
                  where m.organization_id = o.id and m.user_id = p_actor_user_id and m.status = 'active')
          or exists (select 1 from api_keys k
                     where k.id = p_actor_api_key_id and k.organization_id = o.id and k.revoked_at is null)
        )
      for no key update of o;
      v_locked := found;
      -- A new statement: a fresh snapshot, taken after the lock was granted.
      return query
      select
        v_locked,
        o.id is not null,
        o.slug, o.name, o.status, o.deletion_scheduled_at, o.deletion_due_at,
        coalesce(o.deletion_due_at <= now(), false),
        (select count(*)::int from memberships
          where memberships.organization_id = p_organization_id and memberships.status = 'active'
            and memberships.role = 'owner'),
        a.id, a.role, k.id,
        coalesce(k.expires_at <= now(), false),
        case when k.organization_owned_at is null then k.created_by end,
        kp.role,
        t.id, t.role, t.user_id,
        n.id, n.slug
      from (select 1) as one
      left join organizations o on o.id = p_organization_id
      left join memberships a
        on a.organization_id = p_organization_id and a.user_id = p_actor_user_id and a.status = 'active'
      left join api_keys k
        on k.id = p_actor_api_key_id and k.organization_id = p_organization_id and k.revoked_at is null
      left join memberships kp
        on kp.organization_id = p_organization_id and kp.user_id = k.created_by and kp.status = 'active'
          and k.organization_owned_at is null
      left join memberships t
        on t.organization_id = p_organization_id and t.status = 'active'
          and t.id = coalesce(p_target_membership_id, a.id)
      left join lateral (
        select o2.id, o2.slug
        from memberships m2 join organizations o2 on o2.id = m2.organization_id
        where p_next_organization and a.id = t.id and m2.user_id = a.user_id
          and m2.status = 'active' and m2.organization_id <> p_organization_id
        order by m2.created_at desc, m2.id desc
        limit 1
      ) n on true;
    end
    $fn$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function roster_lock_membership_change(uuid, uuid, uuid, uuid, boolean)`.execute(db);
}
