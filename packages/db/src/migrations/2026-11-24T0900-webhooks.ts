import { type Kysely, sql } from 'kysely';

/**
 * Webhooks and per-webhook delivery bookkeeping for the outbox.
 *
 * An outbox event fans out, on its first claim by the dispatcher, into one `webhook_deliveries` row per
 * webhook the organization has at that moment. The event keeps the overall state (attempts, next attempt,
 * last error, pending -> delivered | dead); each delivery row records whether that one receiver has it, so
 * a retry goes only to the receivers that have not acknowledged the event yet.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // The signing secret must be readable by the dispatcher (HMAC needs it), so it is stored as is;
    // it is shown to the owner once, at creation, and never returned by a list.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('webhooks_url_format', sql`url ~ '^https?://' and length(url) <= 2000`)
    .addCheckConstraint('webhooks_description_length', sql`length(description) <= 200`)
    .execute();
  await db.schema
    .createIndex('webhooks_org_created_idx')
    .on('webhooks')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('outbox_events.id').onDelete('cascade'))
    .addColumn('webhook_id', 'uuid', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addCheckConstraint('webhook_deliveries_status_check', sql`status in ('pending', 'delivered', 'dead')`)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_event_webhook_key')
    .unique()
    .on('webhook_deliveries')
    .columns(['event_id', 'webhook_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_webhook_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhooks').ifExists().execute();
}
