import type { Database, OutboxStatus } from '@roster/db';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../queries/db';
import type { RosterEvent } from './types';

/** Writes an event to the outbox; call it inside the transaction of the change it announces. */
export async function enqueueEvent(
  trx: Db,
  event: RosterEvent & { organizationId: string },
): Promise<string> {
  const row = await trx
    .insertInto('outbox_events')
    .values({
      organization_id: event.organizationId,
      type: event.type,
      payload: JSON.stringify(event.payload),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The webhook consumer's first step: writes one `webhook_deliveries` row per event not fanned out yet and
 * per webhook of its organization that subscribes to its type, due at `now`, and marks the events fanned
 * out. `FOR UPDATE SKIP LOCKED` lets several dispatchers (replicas) do this at once without doubling a
 * delivery (the (event, webhook) key would refuse it anyway). Answers how many events it fanned out.
 */
export async function fanOutWebhookEvents(
  db: Kysely<Database>,
  options: { limit: number; now: Date },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const events = await trx
      .selectFrom('outbox_events')
      .select('id')
      .where('webhook_fanout_at', 'is', null)
      .orderBy('created_at')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (events.length === 0) return 0;
    const ids = events.map((e) => e.id);
    await trx
      .insertInto('webhook_deliveries')
      .columns(['event_id', 'webhook_id', 'next_attempt_at'])
      .expression((eb) =>
        eb
          .selectFrom('outbox_events as e')
          .innerJoin('webhooks as w', 'w.organization_id', 'e.organization_id')
          .select(['e.id', 'w.id', sql<Date>`${options.now}::timestamptz`.as('due')])
          .where('e.id', 'in', ids)
          .where((w) => w.or([w('w.event_types', 'is', null), sql<boolean>`e.type = any(w.event_types)`])),
      )
      .onConflict((oc) => oc.columns(['event_id', 'webhook_id']).doNothing())
      .execute();
    await trx
      .updateTable('outbox_events')
      .set({ webhook_fanout_at: options.now })
      .where('id', 'in', ids)
      .execute();
    return ids.length;
  });
}

/** One claimed delivery: where to send what, and how to sign it. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  url: string;
  /** The webhook's signing secret as stored (see `events/secrets.ts`). */
  secret: string | null;
  secretCiphertext: string | null;
  /** This attempt's number: 1 for the first. */
  attempt: number;
  /** Set by a redelivery; null: the dispatcher's schedule decides when to give up. */
  maxAttempts: number | null;
  event: {
    id: string;
    organizationId: string;
    type: string;
    payload: Record<string, unknown>;
    createdAt: Date;
  };
}

/**
 * Claims due deliveries, at most one per webhook, from webhooks that are not `busy` (this process already
 * has as many requests in flight to them as it allows) and whose circuit is closed (`paused_until` past).
 * The webhooks whose deliveries have waited longest come first, so a flood to one endpoint does not starve
 * the others. A claim counts the attempt and pushes `next_attempt_at` forward by the lease: nobody else
 * sends the delivery meanwhile, and if this process dies mid-request it is due again after the lease.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  options: { limit: number; leaseMs: number; now: Date; busy: ReadonlySet<string> },
): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  return db.transaction().execute(async (trx) => {
    let candidates = trx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.webhook_id', (eb) => eb.fn.min('d.next_attempt_at').as('due')])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', options.now)
      .where((eb) => eb.or([eb('w.paused_until', 'is', null), eb('w.paused_until', '<=', options.now)]))
      .groupBy('d.webhook_id')
      .orderBy('due')
      .limit(options.limit);
    if (options.busy.size > 0) candidates = candidates.where('d.webhook_id', 'not in', [...options.busy]);
    const webhooks = await candidates.execute();
    const picked: string[] = [];
    for (const { webhook_id } of webhooks) {
      const row = await trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('webhook_id', '=', webhook_id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', options.now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (row) picked.push(row.id);
    }
    if (picked.length === 0) return [];
    await trx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_attempt_at: options.now,
        next_attempt_at: new Date(options.now.getTime() + options.leaseMs),
      }))
      .where('id', 'in', picked)
      .execute();
    const rows = await trx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
      .select([
        'd.id',
        'd.webhook_id',
        'd.attempts',
        'd.max_attempts',
        'w.url',
        'w.secret',
        'w.secret_ciphertext',
        'e.id as event_id',
        'e.organization_id',
        'e.type',
        'e.payload',
        'e.created_at',
      ])
      .where('d.id', 'in', picked)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhook_id,
      url: r.url,
      secret: r.secret,
      secretCiphertext: r.secret_ciphertext,
      attempt: r.attempts,
      maxAttempts: r.max_attempts,
      event: {
        id: r.event_id,
        organizationId: r.organization_id,
        type: r.type,
        payload: r.payload,
        createdAt: r.created_at,
      },
    }));
  });
}

export type DeliveryOutcome =
  | { ok: true; statusCode: number }
  | { ok: false; statusCode: number | null; error: string };

/**
 * Records an attempt's outcome: delivered; or due again at `retryAt`; or dead when `retryAt` is null (no
 * attempt left). Also moves the webhook's circuit breaker: a success closes it, and the `pauseMs` answer
 * to a run of failures opens it (`paused_until`). `attempt` guards against a late writer whose lease ran
 * out and whose delivery was claimed again.
 */
export async function settleDelivery(
  db: Kysely<Database>,
  delivery: { id: string; webhookId: string; attempt: number },
  outcome: DeliveryOutcome,
  options: { now: Date; retryAt: Date | null; pauseMs: (consecutiveFailures: number) => number | null },
): Promise<'delivered' | 'retrying' | 'dead' | 'superseded'> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set(
        outcome.ok
          ? {
              status: 'delivered',
              delivered_at: options.now,
              last_status_code: outcome.statusCode,
              last_error: null,
            }
          : {
              last_status_code: outcome.statusCode,
              last_error: outcome.error.slice(0, 2000),
              ...(options.retryAt ? { next_attempt_at: options.retryAt } : { status: 'dead' as const }),
            },
      )
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', delivery.attempt)
      .returning('status')
      .executeTakeFirst();
    if (!updated) return 'superseded';
    if (outcome.ok) {
      await trx
        .updateTable('webhooks')
        .set({ consecutive_failures: 0, paused_until: null })
        .where('id', '=', delivery.webhookId)
        .where('consecutive_failures', '>', 0)
        .execute();
      return 'delivered';
    }
    const webhook = await trx
      .updateTable('webhooks')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', delivery.webhookId)
      .returning('consecutive_failures')
      .executeTakeFirst();
    const pause = webhook ? options.pauseMs(webhook.consecutive_failures) : null;
    if (pause !== null && pause > 0) {
      await trx
        .updateTable('webhooks')
        .set({ paused_until: new Date(options.now.getTime() + pause) })
        .where('id', '=', delivery.webhookId)
        .execute();
    }
    return updated.status === 'dead' ? 'dead' : 'retrying';
  });
}

/**
 * Gives a claimed delivery back without counting its attempt (the dispatcher is stopping and aborted the
 * request): due again now, for this or another replica.
 */
export async function releaseDelivery(db: Db, delivery: { id: string; attempt: number }, now: Date) {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '-', 1), next_attempt_at: now }))
    .where('id', '=', delivery.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', delivery.attempt)
    .execute();
}

export type DeliveryStatus = OutboxStatus;
