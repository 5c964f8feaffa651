import { type Kysely, sql } from 'kysely';

/**
 * Audit entries of `webhook.created` and `webhook.deleted` used to carry the webhook's full URL, query
 * tokens included, and viewers read the audit log. Keep only scheme, host and path in the entries written
 * before (new ones are written redacted by `redactWebhookUrl`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update audit_log
    set metadata = jsonb_set(
      metadata,
      '{url}',
      to_jsonb(regexp_replace(metadata->>'url', '^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*@)?([^/?#]*)([^?#]*).*$', '\\1\\3\\4'))
    )
    where action in ('webhook.created', 'webhook.deleted') and metadata ? 'url'
  `.execute(db);
}

export async function down(): Promise<void> {
  // The removed query strings and user info are gone for good.
}
