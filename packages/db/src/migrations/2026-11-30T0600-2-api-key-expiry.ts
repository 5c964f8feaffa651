import type { Kysely } from 'kysely';

/**
 * API keys may expire: `expires_at` (null: never). Authentication refuses a key past it with
 * API_KEY_EXPIRED; the row stays (listed as expired) until revoked. No index: keys are found by their
 * hash, and the expiry is read from that one row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // No check against created_at: apiKeys.create requires a future instant by the server's clock, and a
  // constraint on the database's clock could turn a few milliseconds of skew into an internal error.
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('expires_at').execute();
}
