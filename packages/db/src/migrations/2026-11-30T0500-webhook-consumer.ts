import { type Kysely, sql } from 'kysely';

/**
 * The outbox becomes a log of events, and webhooks one consumer of it with its own state.
 *
 * Before, an event carried the webhook state (`status`, `attempts`, `next_attempt_at`, ...), so one slow
 * endpoint held the event, and every other endpoint of that event, in the same round. Now:
 * - `outbox_events` keeps only what happened (`type`, `payload`, `created_at`) plus `webhook_fanout_at`,
 *   the webhook consumer's mark that it wrote the event's deliveries. Another consumer (mail, purge)
 *   reads the same rows and keeps its state in its own table or column.
 * - each `webhook_deliveries` row (one per event and endpoint) has its own schedule: `next_attempt_at`,
 *   `attempts`, `max_attempts` (set by a redelivery), `last_attempt_at`.
 * - each webhook has a circuit breaker: `consecutive_failures` and `paused_until`.
 * - a webhook may subscribe to some event types only (`event_types`, null = every type).
 * - the signing secret moves to `secret_ciphertext` (AES-256-GCM under the server's
 *   WEBHOOK_SECRETS_KEY); the server encrypts the rows that still hold a plain `secret` when it starts
 *   (the key is server configuration, which migrations do not see), then clears `secret`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('event_types', sql`text[]`)
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paused_until', 'timestamptz')
    .addColumn('secret_ciphertext', 'text')
    .execute();
  await db.schema
    .alterTable('webhooks')
    .alterColumn('secret', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable('webhooks')
    .addCheckConstraint('webhooks_secret_present', sql`secret is not null or secret_ciphertext is not null`)
    .execute();

  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('max_attempts', 'integer')
    .execute();
  // Pending deliveries keep the schedule their event had.
  await sql`
    update webhook_deliveries d
    set next_attempt_at = e.next_attempt_at, last_attempt_at = case when d.attempts > 0 then now() end
    from outbox_events e
    where e.id = d.event_id and d.status = 'pending'
  `.execute(db);
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema.alterTable('outbox_events').addColumn('webhook_fanout_at', 'timestamptz').execute();
  // Events the dispatcher has claimed before were fanned out then; the others will be now.
  await sql`
    update outbox_events set webhook_fanout_at = coalesce(delivered_at, now())
    where attempts > 0 or status <> 'pending'
  `.execute(db);
  await db.schema.dropIndex('outbox_events_pending_due_idx').ifExists().execute();
  await db.schema.alterTable('outbox_events').dropConstraint('outbox_events_status_check').execute();
  await db.schema
    .alterTable('outbox_events')
    .dropColumn('status')
    .dropColumn('attempts')
    .dropColumn('next_attempt_at')
    .dropColumn('last_error')
    .dropColumn('delivered_at')
    .execute();
  await db.schema
    .createIndex('outbox_events_webhook_fanout_idx')
    .on('outbox_events')
    .columns(['created_at'])
    .where(sql.ref('webhook_fanout_at'), 'is', null)
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('2026-11-30T0500-webhook-consumer cannot be reverted: the per-event webhook state is gone');
}
