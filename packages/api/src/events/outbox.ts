import type { Database, OutboxEvent } from '@roster/db';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../queries/db';

/** Writes an event to the outbox; call it inside the transaction of the change it announces. */
export async function enqueueEvent(
  trx: Db,
  event: { organizationId: string; type: string; payload: Record<string, unknown> },
): Promise<string> {
  const row = await trx
    .insertInto('outbox_events')
    .values({ organization_id: event.organizationId, type: event.type, payload: event.payload })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type ClaimedEvent = Pick<
  OutboxEvent,
  'id' | 'organization_id' | 'type' | 'payload' | 'attempts' | 'created_at'
>;

/**
 * Claims up to `limit` due pending events in one short transaction. `FOR UPDATE SKIP LOCKED` lets several
 * dispatchers (server replicas) claim at once without taking the same event; the claim pushes
 * `next_attempt_at` forward by `leaseMs`, so nobody else picks the event up while it is being delivered,
 * and if this process dies mid-delivery the event becomes due again after the lease (at-least-once).
 * On an event's first claim it fans out into one delivery row per webhook of its organization.
 */
export async function claimDueEvents(
  db: Kysely<Database>,
  options: { limit: number; leaseMs: number },
): Promise<ClaimedEvent[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('outbox_events')
      .select(['id', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .orderBy('next_attempt_at')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    const firstClaims = due.filter((e) => e.attempts === 0).map((e) => e.id);
    if (firstClaims.length > 0) {
      await trx
        .insertInto('webhook_deliveries')
        .columns(['event_id', 'webhook_id'])
        .expression((eb) =>
          eb
            .selectFrom('outbox_events as e')
            .innerJoin('webhooks as w', 'w.organization_id', 'e.organization_id')
            .select(['e.id', 'w.id'])
            .where('e.id', 'in', firstClaims),
        )
        .onConflict((oc) => oc.columns(['event_id', 'webhook_id']).doNothing())
        .execute();
    }
    return trx
      .updateTable('outbox_events')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: sql<Date>`now() + make_interval(secs => ${options.leaseMs / 1000})`,
      }))
      .where(
        'id',
        'in',
        due.map((e) => e.id),
      )
      .returning(['id', 'organization_id', 'type', 'payload', 'attempts', 'created_at'])
      .execute();
  });
}

/** The deliveries of an event still waiting for their receiver, with where and how to sign. */
export async function pendingDeliveries(db: Db, eventId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', 'd.webhook_id', 'd.attempts', 'w.url', 'w.secret'])
    .where('d.event_id', '=', eventId)
    .where('d.status', '=', 'pending')
    .orderBy('w.created_at')
    .execute();
}

export async function recordDeliveryAttempt(
  db: Db,
  deliveryId: string,
  outcome: { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_status_code: outcome.statusCode,
      ...(outcome.ok
        ? { status: 'delivered' as const, delivered_at: sql<Date>`now()`, last_error: null }
        : { last_error: outcome.error }),
    }))
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Settles an event after an attempt: delivered when no delivery is pending any more; otherwise dead after
 * `maxAttempts` (its pending deliveries too, keeping the last error), or due again after `retryInMs`.
 * `claimedAttempts` guards against a late writer whose lease had expired and whose event was re-claimed.
 */
export async function settleEvent(
  db: Kysely<Database>,
  event: { id: string; claimedAttempts: number },
  options: { maxAttempts: number; retryInMs: number; lastError: string | null },
): Promise<'delivered' | 'pending' | 'dead' | 'superseded'> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('outbox_events')
      .select(['status', 'attempts'])
      .where('id', '=', event.id)
      .forUpdate()
      .executeTakeFirst();
    if (current?.status !== 'pending' || current.attempts !== event.claimedAttempts) {
      return 'superseded';
    }
    const pending = await trx
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('event_id', '=', event.id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    if (Number(pending.n) === 0) {
      await trx
        .updateTable('outbox_events')
        .set({ status: 'delivered', delivered_at: sql<Date>`now()`, last_error: null })
        .where('id', '=', event.id)
        .execute();
      return 'delivered';
    }
    if (event.claimedAttempts >= options.maxAttempts) {
      await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'dead' })
        .where('event_id', '=', event.id)
        .where('status', '=', 'pending')
        .execute();
      await trx
        .updateTable('outbox_events')
        .set({ status: 'dead', last_error: options.lastError })
        .where('id', '=', event.id)
        .execute();
      return 'dead';
    }
    await trx
      .updateTable('outbox_events')
      .set({
        last_error: options.lastError,
        next_attempt_at: sql<Date>`now() + make_interval(secs => ${options.retryInMs / 1000})`,
      })
      .where('id', '=', event.id)
      .execute();
    return 'pending';
  });
}
