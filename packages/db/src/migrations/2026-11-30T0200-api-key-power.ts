import { type Kysely, sql } from 'kysely';

/**
 * An API key acts for the person who created it, and never does more than that person may do now
 * (issue 13, finding 1). A key kept through its creator's removal (`keepApiKeys: true`) becomes the
 * organization's own (`organization_owned_at`): it no longer acts in the removed person's name.
 *
 * Invitations sent by an organization's own key name the key (`invited_by_api_key_id`), not a person,
 * so `invitations.invited_by` may now be null.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('organization_owned_at', 'timestamptz').execute();
  // Live keys whose creator is no longer an active member were kept through a removal before this
  // migration: they become the organization's own.
  await sql`
    update api_keys k set organization_owned_at = now()
    where k.revoked_at is null
      and not exists (select 1 from memberships m
                      where m.organization_id = k.organization_id and m.user_id = k.created_by
                        and m.status = 'active')
  `.execute(db);

  await db.schema
    .alterTable('invitations')
    .alterColumn('invited_by', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable('invitations')
    .addColumn('invited_by_api_key_id', 'uuid', (c) => c.references('api_keys.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invitations').dropColumn('invited_by_api_key_id').execute();
  await db.schema.alterTable('api_keys').dropColumn('organization_owned_at').execute();
}
