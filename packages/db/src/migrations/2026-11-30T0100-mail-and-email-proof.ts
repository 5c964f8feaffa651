import { type Kysely, sql } from 'kysely';

/**
 * Mail and proof of email addresses.
 *
 * - `users.email_verified_at`: set once the holder has followed a link mailed to the address (sign-up
 *   verification, an invitation link, a password reset). `users.locale`: the language of their mails.
 * - `mail_outbox`: mails queued in the transaction of the change that causes them, sent after commit by the
 *   server's mailer (its own claim / lease / retry / dead-letter state, apart from the webhook outbox).
 *   A row names what to send (kind + ids in `params`), never a rendered body: links with a token are minted
 *   at delivery, so no token ever rests in the database in plaintext.
 * - `email_tokens`: the single-use tokens in those links, stored only as SHA-256 hashes.
 * - `invitations.last_mailed_at`: when the invitation's link was last queued (resend is rate-limited on it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
  await db.schema
    .alterTable('users')
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en').check(sql`locale in ('en', 'de')`))
    .execute();
  await db.schema.alterTable('invitations').addColumn('last_mailed_at', 'timestamptz').execute();

  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addCheckConstraint('mail_outbox_status_check', sql`status in ('pending', 'sent', 'dead', 'skipped')`)
    .addCheckConstraint('mail_outbox_locale_check', sql`locale in ('en', 'de')`)
    .addCheckConstraint('mail_outbox_recipient_length', sql`length(recipient) between 3 and 320`)
    .execute();
  // The mailer claims due pending mails in order.
  await db.schema
    .createIndex('mail_outbox_pending_due_idx')
    .on('mail_outbox')
    .column('next_attempt_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('email_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('invitation_id', 'uuid', (c) => c.references('invitations.id').onDelete('cascade'))
    .addColumn('mail_id', 'uuid', (c) => c.references('mail_outbox.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint(
      'email_tokens_purpose_check',
      sql`purpose in ('verify_email', 'invitation', 'password_reset')`,
    )
    .addCheckConstraint(
      'email_tokens_subject_check',
      sql`(purpose = 'invitation' and invitation_id is not null)
          or (purpose <> 'invitation' and user_id is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('email_tokens_token_hash_key')
    .unique()
    .on('email_tokens')
    .column('token_hash')
    .execute();
  // Killing the live tokens of an invitation (resend, revoke) or of a user and purpose (a reset used).
  await db.schema
    .createIndex('email_tokens_live_invitation_idx')
    .on('email_tokens')
    .column('invitation_id')
    .where(sql<boolean>`used_at is null and revoked_at is null and invitation_id is not null`)
    .execute();
  await db.schema
    .createIndex('email_tokens_live_user_idx')
    .on('email_tokens')
    .columns(['user_id', 'purpose'])
    .where(sql<boolean>`used_at is null and revoked_at is null and user_id is not null`)
    .execute();
  await db.schema.createIndex('email_tokens_mail_idx').on('email_tokens').column('mail_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_tokens').ifExists().execute();
  await db.schema.dropTable('mail_outbox').ifExists().execute();
  await db.schema.alterTable('invitations').dropColumn('last_mailed_at').execute();
  await db.schema.alterTable('users').dropColumn('locale').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
