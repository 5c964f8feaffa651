import type { OutboxStatus } from '@roster/db';
import { sql } from 'kysely';
import type { Db } from '../queries/db';

/**
 * The form of a webhook URL that may be shown to anyone who reads the audit log: scheme, host (with its
 * port) and path. User info, query and fragment are dropped, because receivers often carry a token there
 * (`?token=...`), and viewers read the audit log while only owners may list webhooks.
 */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function insertWebhook(
  db: Db,
  values: {
    /** Chosen by the caller: the encrypted secret is bound to it. */
    id: string;
    organizationId: string;
    url: string;
    description: string | null;
    /** The signing secret, encrypted (`events/secrets.ts`). */
    secretCiphertext: string;
    /** null: every event type. */
    eventTypes: string[] | null;
    createdBy: string;
  },
) {
  return db
    .insertInto('webhooks')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      url: values.url,
      description: values.description,
      secret_ciphertext: values.secretCiphertext,
      event_types: values.eventTypes,
      created_by: values.createdBy,
    })
    .returning(['id', 'url', 'description', 'event_types', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** The organization's webhooks, oldest first, without their secrets. */
export async function listOrganizationWebhooks(db: Db, organizationId: string) {
  return db
    .selectFrom('webhooks')
    .select([
      'id',
      'url',
      'description',
      'event_types',
      'consecutive_failures',
      'paused_until',
      'created_by',
      'created_at',
    ])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Deletes one webhook of this organization (its pending deliveries go with it). Null when there is none. */
export async function deleteOrganizationWebhook(db: Db, organizationId: string, webhookId: string) {
  return (
    (await db
      .deleteFrom('webhooks')
      .where('id', '=', webhookId)
      .where('organization_id', '=', organizationId)
      .returning(['id', 'url'])
      .executeTakeFirst()) ?? null
  );
}

export async function countOrganizationWebhooks(db: Db, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The organization's most recent deliveries, newest first, optionally of one endpoint and of one status
 * (e.g. `dead`).
 */
export async function listOrganizationDeliveries(
  db: Db,
  params: { organizationId: string; webhookId?: string; status?: OutboxStatus; limit: number },
) {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.event_id',
      'e.type as event_type',
      'd.webhook_id',
      'w.url',
      'd.status',
      'd.attempts',
      'd.last_status_code',
      'd.last_error',
      'd.next_attempt_at',
      'd.last_attempt_at',
      'd.created_at',
      'd.delivered_at',
    ])
    .where('w.organization_id', '=', params.organizationId);
  if (params.webhookId) query = query.where('d.webhook_id', '=', params.webhookId);
  if (params.status) query = query.where('d.status', '=', params.status);
  return query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(params.limit).execute();
}

/** Replaces a webhook's signing secret (already encrypted). Null when the organization has no such webhook. */
export async function replaceWebhookSecret(
  db: Db,
  params: { organizationId: string; webhookId: string; secretCiphertext: string },
) {
  return (
    (await db
      .updateTable('webhooks')
      .set({ secret_ciphertext: params.secretCiphertext, secret: null })
      .where('id', '=', params.webhookId)
      .where('organization_id', '=', params.organizationId)
      .returning(['id', 'url'])
      .executeTakeFirst()) ?? null
  );
}

/** One delivery of this organization, with its endpoint. Null when there is none. */
export async function findOrganizationDelivery(db: Db, organizationId: string, deliveryId: string) {
  return (
    (await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.event_id', 'd.webhook_id', 'd.status', 'd.attempts', 'w.url'])
      .where('d.id', '=', deliveryId)
      .where('w.organization_id', '=', organizationId)
      .forUpdate()
      .executeTakeFirst()) ?? null
  );
}

/**
 * Queues a dead delivery once more: pending, due now, with exactly one more attempt (`max_attempts`),
 * and lifts its endpoint's circuit-breaker pause (the owner says the receiver is fixed). Only a `dead`
 * delivery changes; answers null otherwise.
 */
export async function requeueDeadDelivery(db: Db, delivery: { id: string; webhookId: string }) {
  const row = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: sql<Date>`now()`,
      max_attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', delivery.id)
    .where('status', '=', 'dead')
    .returning(['id', 'attempts', 'max_attempts'])
    .executeTakeFirst();
  if (!row) return null;
  await db.updateTable('webhooks').set({ paused_until: null }).where('id', '=', delivery.webhookId).execute();
  return row;
}
