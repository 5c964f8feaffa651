import { type Kysely, sql } from 'kysely';

const roleCheck = sql`role in ('owner', 'admin', 'member', 'viewer')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'users_email_normalized',
      sql`email = lower(btrim(email)) and length(email) between 3 and 320`,
    )
    .addCheckConstraint('users_name_length', sql`length(name) between 1 and 200`)
    .execute();
  await db.schema.createIndex('users_email_key').unique().on('users').column('email').execute();

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('deletion_scheduled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('organizations_status_check', sql`status in ('active', 'deletion_scheduled')`)
    .addCheckConstraint(
      'organizations_deletion_consistent',
      sql`(status = 'deletion_scheduled') = (deletion_scheduled_at is not null)`,
    )
    .addCheckConstraint('organizations_slug_format', sql`slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'`)
    .addCheckConstraint('organizations_name_length', sql`length(name) between 1 and 200`)
    .execute();
  await db.schema.createIndex('organizations_slug_key').unique().on('organizations').column('slug').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('active_organization_id', 'uuid', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('sessions_token_hash_key')
    .unique()
    .on('sessions')
    .column('token_hash')
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
  // Leaving clears the active-organization pointer of the leaver's sessions.
  await db.schema
    .createIndex('sessions_user_active_org_idx')
    .on('sessions')
    .columns(['user_id', 'active_organization_id'])
    .where(sql.ref('active_organization_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('removed_at', 'timestamptz')
    .addColumn('removed_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('removal_reason', 'text')
    .addCheckConstraint('memberships_role_check', roleCheck)
    .addCheckConstraint('memberships_status_check', sql`status in ('active', 'removed')`)
    .addCheckConstraint('memberships_removal_reason_check', sql`removal_reason in ('left', 'removed')`)
    .addCheckConstraint(
      'memberships_removal_consistent',
      sql`(status = 'active' and removed_at is null and removal_reason is null)
          or (status = 'removed' and removed_at is not null and removal_reason is not null)`,
    )
    .execute();
  // At most one active membership per (organization, user); removed rows stay for the audit trail.
  await db.schema
    .createIndex('memberships_active_org_user_key')
    .unique()
    .on('memberships')
    .columns(['organization_id', 'user_id'])
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // Owner counts and role lookups within an organization.
  await db.schema
    .createIndex('memberships_org_status_role_idx')
    .on('memberships')
    .columns(['organization_id', 'status', 'role'])
    .execute();
  // members.list keyset order: (created_at, id) among active members.
  await db.schema
    .createIndex('memberships_active_keyset_idx')
    .on('memberships')
    .columns(['organization_id', 'created_at', 'id'])
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // organizations.listMine and "next organization" after a leave.
  await db.schema
    .createIndex('memberships_user_active_idx')
    .on('memberships')
    .columns(['user_id', 'created_at'])
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('invited_by', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addCheckConstraint('invitations_role_check', roleCheck)
    .addCheckConstraint('invitations_status_check', sql`status in ('pending', 'accepted', 'revoked')`)
    .addCheckConstraint('invitations_email_normalized', sql`email = lower(btrim(email))`)
    .execute();
  await db.schema
    .createIndex('invitations_pending_org_email_key')
    .unique()
    .on('invitations')
    .columns(['organization_id', 'email'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('invitations_pending_inviter_idx')
    .on('invitations')
    .columns(['organization_id', 'invited_by'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('invitations_pending_email_idx')
    .on('invitations')
    .column('email')
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'text')
    .addCheckConstraint('api_keys_name_length', sql`length(name) between 1 and 200`)
    .execute();
  await db.schema
    .createIndex('api_keys_secret_hash_key')
    .unique()
    .on('api_keys')
    .column('secret_hash')
    .execute();
  // Revoking the keys a removed member created in that organization.
  await db.schema
    .createIndex('api_keys_active_org_creator_idx')
    .on('api_keys')
    .columns(['organization_id', 'created_by'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_api_key_id', 'uuid', (c) => c.references('api_keys.id').onDelete('set null'))
    .addColumn('target_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('target_membership_id', 'uuid', (c) => c.references('memberships.id').onDelete('set null'))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // auditLog.list keyset order, newest first.
  await db.schema
    .createIndex('audit_log_org_keyset_idx')
    .on('audit_log')
    .columns(['organization_id', 'created_at desc', 'id desc'])
    .execute();

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addCheckConstraint('outbox_events_status_check', sql`status in ('pending', 'delivered', 'dead')`)
    .execute();
  // The dispatcher claims due pending events in order.
  await db.schema
    .createIndex('outbox_events_pending_due_idx')
    .on('outbox_events')
    .column('next_attempt_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'outbox_events',
    'audit_log',
    'api_keys',
    'invitations',
    'memberships',
    'sessions',
    'organizations',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
