import { type Kysely, sql } from 'kysely';

/**
 * auditLog.list filters (and the export), each served by an index in the list's keyset order
 * (newest first, `created_at desc, id desc`) after the organization and the filtered column, so a
 * filtered page reads its own rows, not the organization's whole log. A date range alone uses
 * `audit_log_org_keyset_idx`. The actor and target indexes are partial: most filters name a person.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('audit_log_org_action_keyset_idx')
    .on('audit_log')
    .columns(['organization_id', 'action', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('audit_log_org_actor_user_keyset_idx')
    .on('audit_log')
    .columns(['organization_id', 'actor_user_id', 'created_at desc', 'id desc'])
    .where(sql.ref('actor_user_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('audit_log_org_actor_key_keyset_idx')
    .on('audit_log')
    .columns(['organization_id', 'actor_api_key_id', 'created_at desc', 'id desc'])
    .where(sql.ref('actor_api_key_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('audit_log_org_target_keyset_idx')
    .on('audit_log')
    .columns(['organization_id', 'target_user_id', 'created_at desc', 'id desc'])
    .where(sql.ref('target_user_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'audit_log_org_target_keyset_idx',
    'audit_log_org_actor_key_keyset_idx',
    'audit_log_org_actor_user_keyset_idx',
    'audit_log_org_action_keyset_idx',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
