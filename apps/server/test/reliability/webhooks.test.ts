import { readFileSync } from 'node:fs';
import net from 'node:net';
import {
  configureWebhookSecrets,
  createWebhookSecretBox,
  DEVELOPMENT_WEBHOOK_SECRETS_KEY,
  encryptPlainWebhookSecrets,
  readWebhookSecret,
  verifyWebhookSignature,
  webhookSecretBox,
} from '@roster/api';
import { createDatabase, type Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import {
  circuitPauseMs,
  createDispatcher,
  DEFAULT_DISPATCHER_SETTINGS,
  type Dispatcher,
  retryDelayMs,
  WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS,
  WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS,
  WEBHOOK_CIRCUIT_BREAKER_THRESHOLD,
  WEBHOOK_RETRY_JITTER,
  WEBHOOK_RETRY_SCHEDULE_MS,
} from '../../src/dispatcher';
import { startServer } from '../../src/start';
import { isPublicAddress } from '../../src/webhook-target';
import { DB_KIND } from '../identity/helpers';
import {
  callerFor,
  insertEvent,
  type Receiver,
  refusal,
  seedOrganization,
  startReceiver as startPlainReceiver,
  userCaller,
} from './fixtures';

let t: TestDatabase;
let db: Kysely<Database>;
let receiver: Receiver;
const figures = { events: 0, requests: 0, failedRequests: 0, deadLettered: 0, verified: 0, isolation: '' };

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.destroy();
  console.log(
    `[reliability] webhooks (${t?.kind}): ${figures.events} events, ${figures.requests} requests to receivers, ` +
      `${figures.failedRequests} failed on purpose, ${figures.deadLettered} dead-lettered as expected, ` +
      `${figures.verified} verified with standardwebhooks, violations: 0` +
      (figures.isolation ? `; ${figures.isolation}` : ''),
  );
});

/**
 * Every delivery any receiver of this file gets is checked with the `standardwebhooks` library (a verifier
 * no one here wrote): its `webhook-signature` must be the one the library computes for its `webhook-id`,
 * `webhook-timestamp` and body with one of the organization's secrets. (Tests that move a manual clock
 * send timestamps the library's 5-minute window would refuse, so the window is checked in tests of its own.)
 */
const receivers: Receiver[] = [];
const checked = new WeakSet<object>();
/** Secrets that no longer are in the database (rotated), by organization. */
const formerSecrets = new Map<string, string[]>();

async function startReceiver() {
  const started = await startPlainReceiver();
  receivers.push(started);
  return started;
}

async function organizationSecrets(organizationId: string) {
  const rows = await db
    .selectFrom('webhooks')
    .select(['id', 'secret', 'secret_ciphertext'])
    .where('organization_id', '=', organizationId)
    .execute();
  const readable = rows.flatMap((row) => {
    try {
      return [readWebhookSecret(webhookSecretBox(), row)];
    } catch {
      return []; // stored under another key (the encryption test): that test lists it in formerSecrets
    }
  });
  return [...readable, ...(formerSecrets.get(organizationId) ?? [])];
}

/** The library's verifier for a secret; a pre-2026-11-30 base64url secret is handed over as its raw bytes. */
function standardVerifier(secret: string) {
  try {
    return new Webhook(secret);
  } catch {
    return new Webhook(Buffer.from(secret.slice('whsec_'.length), 'base64url'), { format: 'raw' });
  }
}

afterEach(async () => {
  for (const r of receivers) {
    for (const request of r.received) {
      if (checked.has(request)) continue;
      checked.add(request);
      const { organizationId } = JSON.parse(request.body) as { organizationId: string };
      const id = request.headers['webhook-id'] as string;
      const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
      const signatures = await Promise.all(
        (await organizationSecrets(organizationId)).map((secret) =>
          standardVerifier(secret).sign(id, timestamp, request.body),
        ),
      );
      expect(signatures, `delivery ${id} to ${r.url}`).toContain(request.headers['webhook-signature']);
      figures.verified++;
    }
  }
});

// Each test starts with nothing due: what an earlier test left pending must not be sent by a later test's
// dispatcher (the tests share one database).
afterEach(async () => {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'dead' })
    .where('status', '=', 'pending')
    .execute();
  await db
    .updateTable('outbox_events')
    .set({ webhook_fanout_at: new Date() })
    .where('webhook_fanout_at', 'is', null)
    .execute();
});

/** The receivers in these tests listen on 127.0.0.1: a private address, which dispatchers refuse by default. */
function localDispatcher(database: Kysely<Database>, options: Parameters<typeof createDispatcher>[1] = {}) {
  return createDispatcher(database, { allowPrivateTargets: true, ...options });
}

/** One dispatcher round, counted in the figures. */
async function runRound(dispatcher: Dispatcher) {
  const round = await dispatcher.runOnce();
  figures.requests += round.requests;
  figures.failedRequests += round.failedRequests;
  figures.deadLettered += round.dead;
  return round;
}

/** Runs dispatcher rounds until `done()` holds; bounded by a number of rounds, not by time. */
async function drain(dispatchers: Dispatcher[], done: () => Promise<boolean>, maxRounds = 200) {
  for (let i = 0; i < maxRounds; i++) {
    if (await done()) return;
    await Promise.all(dispatchers.map(runRound));
  }
  throw new Error(`not done after ${maxRounds} rounds`);
}

async function eventRow(id: string) {
  return db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The deliveries of an event (one per endpoint), oldest endpoint first. */
async function deliveriesOf(eventId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .selectAll('d')
    .where('d.event_id', '=', eventId)
    .orderBy('w.created_at')
    .execute();
}

/** Every event fanned out and none of its deliveries pending any more. */
async function allSettled(ids: string[]) {
  const events = await db
    .selectFrom('outbox_events')
    .select('id')
    .where('id', 'in', ids)
    .where('webhook_fanout_at', 'is', null)
    .execute();
  if (events.length > 0) return false;
  const pending = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('event_id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
  return pending.length === 0;
}

/** No waiting between attempts: `attempts - 1` retries, each due at once. */
function immediateRetries(attempts: number) {
  return { retryScheduleMs: Array.from({ length: attempts - 1 }, () => 0), retryJitter: 0 };
}

/** A clock the test moves by hand: a day passes in a few rounds. */
function manualClock(start = Date.now()) {
  let at = start;
  return {
    now: () => new Date(at),
    advance(ms: number) {
      at += ms;
    },
    set(to: Date) {
      at = Math.max(at, to.getTime());
    },
    get elapsedMs() {
      return at - start;
    },
  };
}

async function ownerWithWebhook(url: string) {
  const org = await seedOrganization(db, ['owner', 'admin', 'member']);
  const owner = callerFor(db, userCaller(org.members[0]!.userId));
  const webhook = await owner.webhooks.create({ organizationId: org.id, url });
  return { org, owner, webhook };
}

describe(`webhooks API (${DB_KIND})`, () => {
  it('lets an owner create a webhook, shows the secret once, lists it without the secret, deletes it', async () => {
    const org = await seedOrganization(db, ['owner']);
    const owner = callerFor(db, userCaller(org.members[0]!.userId));
    const created = await owner.webhooks.create({
      organizationId: org.id,
      url: 'https://hooks.example.test/roster',
      description: 'CRM sync',
    });
    // Standard Webhooks: `whsec_` and base64 of 32 random bytes.
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Times as every answer gives them: ISO 8601 strings in UTC, also through createCaller.
    expect(created.createdAt).toBe(new Date(created.createdAt).toISOString());
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    const stored = await db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      organization_id: org.id,
      secret: null,
      event_types: null,
      created_by: org.members[0]!.userId,
    });
    // Stored encrypted (AES-256-GCM), bound to this webhook: the row does not contain the secret.
    expect(stored.secret_ciphertext).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(JSON.stringify(stored)).not.toContain(created.secret.slice(6, 30));
    expect(webhookSecretBox().decrypt(stored.secret_ciphertext!, created.id)).toBe(created.secret);
    expect(() => webhookSecretBox().decrypt(stored.secret_ciphertext!, crypto.randomUUID())).toThrow(
      /cannot be decrypted/,
    );

    const listed = await owner.webhooks.list({ organizationId: org.id });
    expect(listed).toEqual([
      expect.objectContaining({
        id: created.id,
        url: 'https://hooks.example.test/roster',
        description: 'CRM sync',
        createdAt: created.createdAt,
        pausedUntil: null,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    await expect(owner.webhooks.delete({ organizationId: org.id, webhookId: created.id })).resolves.toEqual({
      id: created.id,
    });
    expect(await db.selectFrom('webhooks').select('id').where('id', '=', created.id).execute()).toEqual([]);
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('organization_id', '=', org.id)
      .orderBy('created_at')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.deleted']);
  });

  it('refuses admins, members, viewers, non-members and API keys, writing nothing', async () => {
    const org = await seedOrganization(db, ['owner', 'admin', 'member', 'viewer']);
    const other = await seedOrganization(db, ['owner']);
    const input = { organizationId: org.id, url: 'https://hooks.example.test/x' };
    for (const m of org.members.slice(1)) {
      const caller = callerFor(db, userCaller(m.userId));
      await expect(caller.webhooks.create(input)).rejects.toMatchObject({ reason: 'INSUFFICIENT_ROLE' });
      await expect(caller.webhooks.list({ organizationId: org.id })).rejects.toMatchObject({
        reason: 'INSUFFICIENT_ROLE',
      });
    }
    const outsider = callerFor(db, userCaller(other.members[0]!.userId));
    await expect(outsider.webhooks.create(input)).rejects.toMatchObject({ reason: 'ORGANIZATION_NOT_FOUND' });
    const key = callerFor(db, {
      type: 'apiKey',
      apiKeyId: crypto.randomUUID(),
      organizationId: org.id,
      scopes: ['members:read', 'members:write', 'audit:read'],
      actsForUserId: org.members[0]!.userId,
    });
    await expect(key.webhooks.create(input)).rejects.toMatchObject({ reason: 'SESSION_REQUIRED' });
    await expect(key.webhooks.list({ organizationId: org.id })).rejects.toMatchObject({
      reason: 'SESSION_REQUIRED',
    });
    const count = await db
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it("refuses to delete another organization's webhook, and bad URLs", async () => {
    const a = await seedOrganization(db, ['owner']);
    const b = await seedOrganization(db, ['owner']);
    const ownerA = callerFor(db, userCaller(a.members[0]!.userId));
    const ownerB = callerFor(db, userCaller(b.members[0]!.userId));
    const hookB = await ownerB.webhooks.create({ organizationId: b.id, url: 'https://b.example.test/' });
    await expect(ownerA.webhooks.delete({ organizationId: a.id, webhookId: hookB.id })).rejects.toMatchObject(
      {
        reason: 'WEBHOOK_NOT_FOUND',
      },
    );
    await expect(ownerA.webhooks.delete({ organizationId: b.id, webhookId: hookB.id })).rejects.toMatchObject(
      {
        reason: 'ORGANIZATION_NOT_FOUND',
      },
    );
    expect(await db.selectFrom('webhooks').select('id').where('id', '=', hookB.id).execute()).toHaveLength(1);
    for (const url of [
      'ftp://x.example.test/',
      'javascript:alert(1)',
      'not a url',
      `https://x.test/${'a'.repeat(2000)}`,
    ]) {
      expect(await refusal(ownerA.webhooks.create({ organizationId: a.id, url }))).toBe('VALIDATION_FAILED');
    }
    expect(
      await refusal(
        ownerA.webhooks.create({ organizationId: a.id, url: 'https://a.example.test/', extra: 1 } as never),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      await db.selectFrom('webhooks').select('id').where('organization_id', '=', a.id).execute(),
    ).toEqual([]);
  });

  it('writes only scheme, host and path of the URL into the audit log, which viewers read (no tokens)', async () => {
    const org = await seedOrganization(db, ['owner', 'viewer']);
    const owner = callerFor(db, userCaller(org.members[0]!.userId));
    const url = 'https://ci:p4ss@Hooks.Example.test:8443/roster/in?token=s3cret-token#frag';
    const created = await owner.webhooks.create({ organizationId: org.id, url });
    const rotated = await owner.webhooks.rotateSecret({ organizationId: org.id, webhookId: created.id });
    // A delivery that failed every attempt, as the dispatcher leaves it.
    const eventId = await insertEvent(db, org.id);
    const dead = await db
      .insertInto('webhook_deliveries')
      .values({
        event_id: eventId,
        webhook_id: created.id,
        status: 'dead',
        attempts: 1,
        last_error: 'HTTP 500',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await owner.webhooks.redeliver({ organizationId: org.id, deliveryId: dead.id });
    await owner.webhooks.delete({ organizationId: org.id, webhookId: created.id });
    const rows = await db
      .selectFrom('audit_log')
      .select(['action', 'metadata'])
      .where('organization_id', '=', org.id)
      .where('action', 'like', 'webhook.%')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const shown = 'https://hooks.example.test:8443/roster/in';
    expect(rows).toEqual([
      { action: 'webhook.created', metadata: { webhookId: created.id, url: shown } },
      { action: 'webhook.secret_rotated', metadata: { webhookId: created.id, url: shown } },
      {
        action: 'webhook.redelivered',
        metadata: { webhookId: created.id, url: shown, deliveryId: dead.id, eventId },
      },
      { action: 'webhook.deleted', metadata: { webhookId: created.id, url: shown } },
    ]);
    const viewer = callerFor(db, userCaller(org.members[1]!.userId));
    const seen = JSON.stringify(await viewer.auditLog.list({ organizationId: org.id }));
    expect(seen).toContain('hooks.example.test:8443/roster/in');
    for (const secret of ['s3cret-token', 'p4ss', 'frag', 'token=', created.secret, rotated.secret]) {
      expect(seen).not.toContain(secret);
    }
  });

  it('caps the number of webhooks per organization', async () => {
    const org = await seedOrganization(db, ['owner']);
    const owner = callerFor(db, userCaller(org.members[0]!.userId));
    for (let i = 0; i < 10; i++) {
      await owner.webhooks.create({ organizationId: org.id, url: `https://h${i}.example.test/` });
    }
    await expect(
      owner.webhooks.create({ organizationId: org.id, url: 'https://h10.example.test/' }),
    ).rejects.toMatchObject({ reason: 'WEBHOOK_LIMIT_REACHED' });
    expect(await owner.webhooks.list({ organizationId: org.id })).toHaveLength(10);
    expect(
      await db.selectFrom('webhooks').select('id').where('organization_id', '=', org.id).execute(),
    ).toHaveLength(10);
  });
});

describe(`webhook dispatcher (${DB_KIND})`, () => {
  it('delivers an event with a signature the receiver can verify, and the event id for de-duplication', async () => {
    const { org, webhook } = await ownerWithWebhook(receiver.url);
    const before = receiver.received.length;
    const eventId = await insertEvent(db, org.id, { membershipId: 'm-1', reason: 'left' });
    figures.events++;
    const dispatcher = localDispatcher(db);
    const round = await runRound(dispatcher);
    expect(round).toMatchObject({ fannedOut: 1, claimed: 1, delivered: 1, requests: 1, failedRequests: 0 });

    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    const request = got[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    // Standard Webhooks: the standardwebhooks library verifies the delivery with the whsec_ secret ...
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const standard = new Webhook(webhook.secret);
    expect(standard.verify(request.body, request.headers as Record<string, string>)).toEqual(
      JSON.parse(request.body),
    );
    // ... and refuses a tampered body, another secret, or another event's id.
    expect(() =>
      standard.verify(request.body.replace('m-1', 'm-2'), request.headers as Record<string, string>),
    ).toThrow('No matching signature found');
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(
        request.body,
        request.headers as Record<string, string>,
      ),
    ).toThrow('No matching signature found');
    expect(() =>
      standard.verify(request.body, {
        ...(request.headers as Record<string, string>),
        'webhook-id': 'other',
      }),
    ).toThrow('No matching signature found');
    // Roster's earlier headers still come along for one release (deprecated).
    expect(request.headers['roster-event-id']).toBe(eventId);
    expect(request.headers['roster-event-type']).toBe('member.removed');
    expect(request.headers['roster-delivery-attempt']).toBe('1');
    const timestamp = request.headers['roster-timestamp'] as string;
    const signature = request.headers['roster-signature'] as string;
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret: webhook.secret, body: request.body, timestamp, signature })).toBe(
      true,
    );
    // A tampered body, a wrong secret or a stale timestamp fail verification.
    expect(
      verifyWebhookSignature({ secret: webhook.secret, body: `${request.body} `, timestamp, signature }),
    ).toBe(false);
    expect(verifyWebhookSignature({ secret: 'whsec_other', body: request.body, timestamp, signature })).toBe(
      false,
    );
    expect(
      verifyWebhookSignature({
        secret: webhook.secret,
        body: request.body,
        timestamp,
        signature,
        now: Number(timestamp) + 3600,
      }),
    ).toBe(false);
    expect(JSON.parse(request.body)).toEqual({
      id: eventId,
      type: 'member.removed',
      organizationId: org.id,
      createdAt: expect.any(String),
      data: { membershipId: 'm-1', reason: 'left' },
    });

    expect((await eventRow(eventId)).webhook_fanout_at).not.toBeNull();
    const deliveries = await deliveriesOf(eventId);
    expect(deliveries).toEqual([
      expect.objectContaining({
        webhook_id: webhook.id,
        status: 'delivered',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
      }),
    ]);
    expect(deliveries[0]!.delivered_at).not.toBeNull();
  });

  it('signs with the time of sending: a delivery whose timestamp is old fails verification', async () => {
    const own = await startReceiver();
    try {
      const { org, webhook } = await ownerWithWebhook(own.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      // A dispatcher whose clock is an hour behind stamps the delivery an hour old, as a replay would be.
      const clock = manualClock(Date.now() - 3_600_000);
      await runRound(localDispatcher(db, { now: clock.now }));
      const [request] = own.received;
      expect(request!.headers['webhook-id']).toBe(eventId);
      expect(() =>
        new Webhook(webhook.secret).verify(request!.body, request!.headers as Record<string, string>),
      ).toThrow('Message timestamp too old');
    } finally {
      await own.close();
    }
  });

  it('fans out an event of an organization without webhooks, sending nothing', async () => {
    const org = await seedOrganization(db, ['owner']);
    const before = receiver.received.length;
    const eventId = await insertEvent(db, org.id);
    figures.events++;
    await drain([localDispatcher(db)], () => allSettled([eventId]));
    expect((await eventRow(eventId)).webhook_fanout_at).not.toBeNull();
    expect(await deliveriesOf(eventId)).toEqual([]);
    expect(receiver.received.length).toBe(before);
  });

  it('sends an endpoint only the event types it subscribed to', async () => {
    const only = await startReceiver();
    try {
      const org = await seedOrganization(db, ['owner']);
      const owner = callerFor(db, userCaller(org.members[0]!.userId));
      const hook = await owner.webhooks.create({
        organizationId: org.id,
        url: only.url,
        eventTypes: ['member.added', 'ownership.transferred'],
      });
      expect(hook.eventTypes).toEqual(['member.added', 'ownership.transferred']);
      const all = await owner.webhooks.create({ organizationId: org.id, url: receiver.url });
      expect(all.eventTypes).toBeNull();
      const removed = await insertEvent(db, org.id);
      const added = (
        await db
          .insertInto('outbox_events')
          .values({ organization_id: org.id, type: 'member.added', payload: {} })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      figures.events += 2;
      await drain([localDispatcher(db)], () => allSettled([removed, added]));
      expect(only.eventIds()).toEqual([added]);
      expect((await deliveriesOf(removed)).map((d) => d.webhook_id)).toEqual([all.id]);
      expect((await deliveriesOf(added)).map((d) => d.webhook_id)).toEqual([hook.id, all.id]);
      for (const eventTypes of [[], ['member.renamed'], ['member.added', 'member.added']]) {
        expect(
          await refusal(
            owner.webhooks.create({ organizationId: org.id, url: only.url, eventTypes } as never),
          ),
        ).toBe('VALIDATION_FAILED');
      }
      expect(await owner.webhooks.list({ organizationId: org.id })).toHaveLength(2);
    } finally {
      await only.close();
    }
  });

  it('retries after failures until the receiver accepts, keeping the same event id', async () => {
    const flaky = await startReceiver();
    try {
      flaky.respondWith((_r, index) => (index < 2 ? 500 : 204));
      const { org } = await ownerWithWebhook(flaky.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      const dispatcher = localDispatcher(db, immediateRetries(5));

      // After one failed attempt the delivery waits for its retry, with the error kept.
      const first = await runRound(dispatcher);
      expect(first).toMatchObject({ claimed: 1, retrying: 1, failedRequests: 1 });
      expect(await deliveriesOf(eventId)).toEqual([
        expect.objectContaining({
          status: 'pending',
          attempts: 1,
          last_status_code: 500,
          last_error: 'HTTP 500',
        }),
      ]);

      await drain([dispatcher], () => allSettled([eventId]));
      expect(await deliveriesOf(eventId)).toEqual([
        expect.objectContaining({
          status: 'delivered',
          attempts: 3,
          last_status_code: 204,
          last_error: null,
        }),
      ]);
      expect(flaky.eventIds()).toEqual([eventId, eventId, eventId]);
      expect(flaky.received.map((r) => r.headers['roster-delivery-attempt'])).toEqual(['1', '2', '3']);
    } finally {
      await flaky.close();
    }
  });

  it('schedules retries by the published schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, ±10 % jitter)', async () => {
    expect(WEBHOOK_RETRY_SCHEDULE_MS).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(DEFAULT_DISPATCHER_SETTINGS.retryScheduleMs).toBe(WEBHOOK_RETRY_SCHEDULE_MS);
    expect(DEFAULT_DISPATCHER_SETTINGS.retryJitter).toBe(0.1);
    // The schedule spans more than a day even when every delay is jittered down.
    const shortest = WEBHOOK_RETRY_SCHEDULE_MS.reduce((sum, d) => sum + d * 0.9, 0);
    expect(shortest).toBeGreaterThan(24 * 3_600_000);
    expect(retryDelayMs(1, DEFAULT_DISPATCHER_SETTINGS, () => 0)).toBe(4_500);
    expect(retryDelayMs(1, DEFAULT_DISPATCHER_SETTINGS, () => 1)).toBe(5_500);
    expect(retryDelayMs(8, DEFAULT_DISPATCHER_SETTINGS)).toBeNull();

    const failing = await startReceiver();
    try {
      failing.respondWith(() => 503);
      const { org } = await ownerWithWebhook(failing.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      const clock = manualClock();
      // No circuit breaker here: this test reads the schedule alone.
      const dispatcher = localDispatcher(db, { now: clock.now, circuitBreakerThreshold: 1000 });
      for (let attempt = 1; attempt <= 8; attempt++) {
        const round = await runRound(dispatcher);
        expect(round.claimed).toBe(1);
        const [delivery] = await deliveriesOf(eventId);
        expect(delivery!.attempts).toBe(attempt);
        if (attempt === 8) {
          expect(delivery!.status).toBe('dead');
          break;
        }
        const waited = delivery!.next_attempt_at.getTime() - clock.now().getTime();
        const planned = WEBHOOK_RETRY_SCHEDULE_MS[attempt - 1]!;
        expect(waited).toBeGreaterThanOrEqual(planned * 0.9 - 1);
        expect(waited).toBeLessThanOrEqual(planned * 1.1 + 1);
        // Not due a moment before its time.
        clock.advance(waited - 1);
        expect((await runRound(dispatcher)).claimed).toBe(0);
        clock.advance(1);
      }
      expect(failing.received).toHaveLength(8);
    } finally {
      await failing.close();
    }
  });

  it('delivers to a receiver that was down for a whole day (shortened clock), and dead-letters after the schedule', async () => {
    const outage = await startReceiver();
    try {
      const { org } = await ownerWithWebhook(outage.url);
      await outage.down();
      const eventId = await insertEvent(db, org.id, { n: 'day' });
      figures.events++;
      const clock = manualClock();
      const dispatcher = localDispatcher(db, { now: clock.now });
      let reopened = false;
      for (let i = 0; i < 50 && !(await allSettled([eventId])); i++) {
        if (!reopened && clock.elapsedMs >= 24 * 3_600_000) {
          await outage.reopen();
          reopened = true;
        }
        await runRound(dispatcher);
        // Jump to the next moment anything can happen: the retry, or the end of the endpoint's pause.
        const [delivery] = await deliveriesOf(eventId);
        const webhook = await db
          .selectFrom('webhooks')
          .select('paused_until')
          .where('id', '=', delivery!.webhook_id)
          .executeTakeFirstOrThrow();
        clock.set(delivery!.next_attempt_at);
        if (webhook.paused_until) clock.set(webhook.paused_until);
      }
      expect(reopened).toBe(true);
      const [delivery] = await deliveriesOf(eventId);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 8, last_error: null });
      expect(outage.eventIds()).toEqual([eventId]);
      expect(clock.elapsedMs).toBeGreaterThan(24 * 3_600_000);

      // Down for longer than the whole schedule: dead after 8 attempts, with the last error.
      await outage.down();
      const lost = await insertEvent(db, org.id, { n: 'lost' });
      figures.events++;
      for (let i = 0; i < 50 && !(await allSettled([lost])); i++) {
        await runRound(dispatcher);
        const [d] = await deliveriesOf(lost);
        clock.set(d!.next_attempt_at);
        const webhook = await db
          .selectFrom('webhooks')
          .select('paused_until')
          .where('id', '=', d!.webhook_id)
          .executeTakeFirstOrThrow();
        if (webhook.paused_until) clock.set(webhook.paused_until);
      }
      expect((await deliveriesOf(lost))[0]).toMatchObject({
        status: 'dead',
        attempts: 8,
        last_error: 'connection refused (ECONNREFUSED)',
      });
    } finally {
      await outage.close();
    }
  });

  it('dead-letters a delivery after its attempts, keeping the last error, and shows it to owners only', async () => {
    const failing = await startReceiver();
    try {
      failing.respondWith(() => 502);
      const { org, webhook } = await ownerWithWebhook(failing.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      await drain([localDispatcher(db, immediateRetries(3))], () => allSettled([eventId]));
      const [delivery] = await deliveriesOf(eventId);
      expect(delivery).toMatchObject({
        status: 'dead',
        attempts: 3,
        last_status_code: 502,
        last_error: 'HTTP 502',
        delivered_at: null,
      });
      expect(failing.received).toHaveLength(3);
      // A dead delivery is never claimed again.
      const round = await runRound(localDispatcher(db));
      expect(round.claimed).toBe(0);
      expect(failing.received).toHaveLength(3);

      // Owners see their dead letters; admins may not look; other organizations see none of them.
      const owner = callerFor(db, userCaller(org.members[0]!.userId));
      const dead = await owner.webhooks.deliveries({ organizationId: org.id, status: 'dead' });
      expect(dead).toEqual([
        expect.objectContaining({
          eventId,
          eventType: 'member.removed',
          webhookId: webhook.id,
          status: 'dead',
          attempts: 3,
          lastStatusCode: 502,
          lastError: 'HTTP 502',
          nextAttemptAt: null,
          lastAttemptAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          deliveredAt: null,
        }),
      ]);
      expect(await owner.webhooks.deliveries({ organizationId: org.id, webhookId: webhook.id })).toHaveLength(
        1,
      );
      expect(await owner.webhooks.deliveries({ organizationId: org.id, status: 'delivered' })).toEqual([]);
      expect(
        await refusal(
          callerFor(db, userCaller(org.members[1]!.userId)).webhooks.deliveries({ organizationId: org.id }),
        ),
      ).toBe('INSUFFICIENT_ROLE');
      const other = await seedOrganization(db, ['owner']);
      const otherOwner = callerFor(db, userCaller(other.members[0]!.userId));
      expect(await refusal(otherOwner.webhooks.deliveries({ organizationId: org.id }))).toBe(
        'ORGANIZATION_NOT_FOUND',
      );
      expect(await otherOwner.webhooks.deliveries({ organizationId: other.id })).toEqual([]);
      expect(
        await otherOwner.webhooks.deliveries({ organizationId: other.id, webhookId: webhook.id }),
      ).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  it('retries only the webhook that failed: the one that accepted gets the event once', async () => {
    const good = await startReceiver();
    const bad = await startReceiver();
    try {
      bad.respondWith((_r, index) => (index < 3 ? 500 : 200));
      const { org, owner } = await ownerWithWebhook(good.url);
      await owner.webhooks.create({ organizationId: org.id, url: bad.url });
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      await drain([localDispatcher(db, immediateRetries(10))], () => allSettled([eventId]));
      expect(good.eventIds()).toEqual([eventId]);
      expect(bad.eventIds()).toEqual([eventId, eventId, eventId, eventId]);
      expect((await deliveriesOf(eventId)).map((d) => [d.status, d.attempts])).toEqual([
        ['delivered', 1],
        ['delivered', 4],
      ]);
    } finally {
      await good.close();
      await bad.close();
    }
  });

  it('pauses an endpoint that keeps failing (circuit breaker), tries again after the pause, and closes on success', async () => {
    const failing = await startReceiver();
    try {
      failing.respondWith(() => 500);
      const { org, webhook } = await ownerWithWebhook(failing.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      const clock = manualClock();
      const dispatcher = localDispatcher(db, { ...immediateRetries(20), now: clock.now });
      const circuit = () =>
        db
          .selectFrom('webhooks')
          .select(['consecutive_failures', 'paused_until'])
          .where('id', '=', webhook.id)
          .executeTakeFirstOrThrow();
      for (let i = 1; i <= 4; i++) await runRound(dispatcher);
      expect(await circuit()).toEqual({ consecutive_failures: 4, paused_until: null });
      await runRound(dispatcher);
      // The 5th failure in a row opens the circuit for a minute: nothing is sent meanwhile.
      expect(await circuit()).toEqual({
        consecutive_failures: 5,
        paused_until: new Date(clock.now().getTime() + WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS),
      });
      expect((await runRound(dispatcher)).claimed).toBe(0);
      clock.advance(WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS - 1);
      expect((await runRound(dispatcher)).claimed).toBe(0);
      expect(failing.received).toHaveLength(5);
      // After the pause one attempt goes through; it fails, and the next pause is twice as long.
      clock.advance(1);
      expect(await runRound(dispatcher)).toMatchObject({ claimed: 1, failedRequests: 1 });
      expect(await circuit()).toEqual({
        consecutive_failures: 6,
        paused_until: new Date(clock.now().getTime() + 2 * WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS),
      });
      // The receiver recovers: the next attempt after the pause delivers and closes the circuit.
      failing.respondWith(() => 200);
      clock.advance(2 * WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS);
      expect(await runRound(dispatcher)).toMatchObject({ claimed: 1, delivered: 1 });
      expect(await circuit()).toEqual({ consecutive_failures: 0, paused_until: null });
      expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: 'delivered', attempts: 7 });
      expect(circuitPauseMs(4, DEFAULT_DISPATCHER_SETTINGS)).toBeNull();
      expect(circuitPauseMs(100, DEFAULT_DISPATCHER_SETTINGS)).toBe(WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS);
    } finally {
      await failing.close();
    }
  });

  it('delivers every event to a receiver that was down for a while, once it is back, each once', async () => {
    const outage = await startReceiver();
    try {
      const { org, webhook } = await ownerWithWebhook(outage.url);
      await outage.down();
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await insertEvent(db, org.id, { n: i }));
      figures.events += ids.length;
      const clock = manualClock();
      const dispatcher = localDispatcher(db, { ...immediateRetries(20), now: clock.now });
      // One request at a time to this endpoint: a round sends one delivery.
      const first = await runRound(dispatcher);
      expect(first).toMatchObject({ fannedOut: 12, claimed: 1, failedRequests: 1 });
      for (let i = 0; i < 10; i++) {
        await runRound(dispatcher);
        clock.advance(WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS);
      }
      const waiting = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('event_id', 'in', ids)
        .execute();
      expect(waiting).toHaveLength(12);
      for (const d of waiting) expect(d.status).toBe('pending');
      const failed = waiting.filter((d) => d.attempts > 0);
      expect(failed.length).toBeGreaterThan(0);
      for (const d of failed) {
        expect(d.last_error).toBe('connection refused (ECONNREFUSED)');
        expect(d.last_error).not.toContain('127.0.0.1');
      }
      expect(
        (
          await db
            .selectFrom('webhooks')
            .select('consecutive_failures')
            .where('id', '=', webhook.id)
            .executeTakeFirstOrThrow()
        ).consecutive_failures,
      ).toBe(11);
      expect(outage.received).toHaveLength(0);

      await outage.reopen();
      clock.advance(WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS);
      await drain([dispatcher], () => allSettled(ids));
      expect([...outage.eventIds()].sort()).toEqual([...ids].sort());
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('event_id', 'in', ids)
        .execute();
      expect(rows.every((d) => d.status === 'delivered')).toBe(true);
    } finally {
      await outage.close();
    }
  });

  it("does not let one organization's tarpit endpoints (accept, never answer) delay another organization's delivery", async () => {
    const held = new Set<net.Socket>();
    let accepted = 0;
    const tarpit = net.createServer((socket) => {
      accepted++;
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    const tarpitUrl = `http://127.0.0.1:${(tarpit.address() as net.AddressInfo).port}/hooks`;
    const fast = await startReceiver();
    // Far longer than this test may take: a tarpit request never ends while the test runs.
    const dispatcher = localDispatcher(db, { intervalMs: 20, requestTimeoutMs: 600_000 });
    try {
      const a = await seedOrganization(db, ['owner']);
      const ownerA = callerFor(db, userCaller(a.members[0]!.userId));
      for (let i = 0; i < 10; i++) await ownerA.webhooks.create({ organizationId: a.id, url: tarpitUrl });
      for (let i = 0; i < 5; i++) await insertEvent(db, a.id, { n: i });
      const b = await ownerWithWebhook(fast.url);
      figures.events += 6;
      dispatcher.start();
      // Readiness signal: all ten of A's endpoints hold a request in flight.
      await vi.waitFor(() => expect(accepted).toBe(10), { timeout: 120_000, interval: 20 });

      const started = performance.now();
      const eventB = await insertEvent(db, b.org.id, { n: 'b' });
      await vi.waitFor(async () => expect((await deliveriesOf(eventB))[0]?.status).toBe('delivered'), {
        timeout: 120_000,
        interval: 20,
      });
      const elapsedMs = performance.now() - started;
      figures.isolation = `organization B delivered in ${Math.round(elapsedMs)} ms beside 10 tarpit endpoints`;
      expect(fast.eventIds()).toEqual([eventB]);
      // A's requests are all still hanging (none timed out, so nothing waited for them), and each endpoint
      // holds exactly one: 50 deliveries behind them wait their turn instead of piling on.
      expect(accepted).toBe(10);
      expect(dispatcher.inFlight).toBe(10);
      const pendingA = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
        .select(['d.attempts'])
        .where('w.organization_id', '=', a.id)
        .execute();
      expect(pendingA).toHaveLength(50);
      expect(pendingA.filter((d) => d.attempts === 1)).toHaveLength(10);
      // The generous bound, in this test's own clock: far less than one tarpit request's timeout.
      expect(elapsedMs).toBeLessThan(120_000);
    } finally {
      await dispatcher.stop();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => tarpit.close(() => resolve()));
      await fast.close();
    }
    // Stopping aborted the hanging requests and gave their deliveries back, uncounted.
    expect(dispatcher.inFlight).toBe(0);
    const counted = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.attempts', 'd.status'])
      .where('w.url', '=', tarpitUrl)
      .execute();
    expect(counted.every((d) => d.attempts === 0 && d.status === 'pending')).toBe(true);
  });
});

describe(`webhook secrets, rotation and redelivery (${DB_KIND})`, () => {
  it('rotates a secret: shown once, stored encrypted, audited; deliveries after it verify only with the new secret', async () => {
    const own = await startReceiver();
    try {
      const { org, owner, webhook } = await ownerWithWebhook(own.url);
      formerSecrets.set(org.id, [webhook.secret]);
      const before = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', webhook.id)
        .executeTakeFirstOrThrow();
      const rotated = await owner.webhooks.rotateSecret({ organizationId: org.id, webhookId: webhook.id });
      expect(rotated.id).toBe(webhook.id);
      expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(rotated.secret).not.toBe(webhook.secret);
      const after = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', webhook.id)
        .executeTakeFirstOrThrow();
      expect(after.secret_ciphertext).not.toBe(before.secret_ciphertext);
      expect(after.secret).toBeNull();
      expect(webhookSecretBox().decrypt(after.secret_ciphertext!, webhook.id)).toBe(rotated.secret);
      const audit = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('organization_id', '=', org.id)
        .where('action', '=', 'webhook.secret_rotated')
        .execute();
      // Which webhook, by its URL as `webhook.created` writes it; neither secret anywhere in the row.
      expect(audit).toEqual([
        expect.objectContaining({
          action: 'webhook.secret_rotated',
          metadata: { webhookId: webhook.id, url: own.url },
          actor_user_id: org.members[0]!.userId,
        }),
      ]);
      for (const secret of [rotated.secret, webhook.secret]) {
        expect(JSON.stringify(audit)).not.toContain(secret.slice(6, 30));
      }
      expect(JSON.stringify(await owner.webhooks.list({ organizationId: org.id }))).not.toContain(
        rotated.secret,
      );

      const eventId = await insertEvent(db, org.id);
      figures.events++;
      await runRound(localDispatcher(db));
      const [request] = own.received;
      const headers = request!.headers as Record<string, string>;
      expect(new Webhook(rotated.secret).verify(request!.body, headers)).toMatchObject({ id: eventId });
      expect(() => new Webhook(webhook.secret).verify(request!.body, headers)).toThrow(
        'No matching signature found',
      );

      // Only owners; another organization's webhook is unknown; nothing changes on a refusal.
      const admin = callerFor(db, userCaller(org.members[1]!.userId));
      expect(
        await refusal(admin.webhooks.rotateSecret({ organizationId: org.id, webhookId: webhook.id })),
      ).toBe('INSUFFICIENT_ROLE');
      const other = await seedOrganization(db, ['owner']);
      const otherOwner = callerFor(db, userCaller(other.members[0]!.userId));
      expect(
        await refusal(otherOwner.webhooks.rotateSecret({ organizationId: other.id, webhookId: webhook.id })),
      ).toBe('WEBHOOK_NOT_FOUND');
      const unchanged = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', webhook.id)
        .executeTakeFirstOrThrow();
      expect(unchanged.secret_ciphertext).toBe(after.secret_ciphertext);
    } finally {
      await own.close();
    }
  });

  it('redelivers a dead-lettered delivery once: one more attempt, same event id; asking twice is refused', async () => {
    const flaky = await startReceiver();
    try {
      flaky.respondWith(() => 503);
      const { org, owner, webhook } = await ownerWithWebhook(flaky.url);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      const dispatcher = localDispatcher(db, immediateRetries(2));
      await drain([dispatcher], () => allSettled([eventId]));
      const [dead] = await deliveriesOf(eventId);
      expect(dead).toMatchObject({ status: 'dead', attempts: 2, last_error: 'HTTP 503' });
      expect(flaky.received).toHaveLength(2);

      // Refusals first: not an owner, another organization, an unknown id; nothing changes.
      const admin = callerFor(db, userCaller(org.members[1]!.userId));
      expect(await refusal(admin.webhooks.redeliver({ organizationId: org.id, deliveryId: dead!.id }))).toBe(
        'INSUFFICIENT_ROLE',
      );
      const other = await seedOrganization(db, ['owner']);
      const otherOwner = callerFor(db, userCaller(other.members[0]!.userId));
      expect(
        await refusal(otherOwner.webhooks.redeliver({ organizationId: other.id, deliveryId: dead!.id })),
      ).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
      expect(
        await refusal(owner.webhooks.redeliver({ organizationId: org.id, deliveryId: crypto.randomUUID() })),
      ).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
      expect((await deliveriesOf(eventId))[0]).toEqual(dead);

      // The receiver is fixed; the owner redelivers. Asking again before it is sent is refused.
      flaky.respondWith(() => 200);
      await expect(
        owner.webhooks.redeliver({ organizationId: org.id, deliveryId: dead!.id }),
      ).resolves.toEqual({
        id: dead!.id,
        status: 'pending',
        attempts: 2,
      });
      expect((await deliveriesOf(eventId))[0]).toMatchObject({
        status: 'pending',
        attempts: 2,
        max_attempts: 3,
      });
      await expect(
        owner.webhooks.redeliver({ organizationId: org.id, deliveryId: dead!.id }),
      ).rejects.toMatchObject({
        reason: 'WEBHOOK_DELIVERY_NOT_REDELIVERABLE',
        details: { status: 'pending' },
      });
      await drain([dispatcher], () => allSettled([eventId]));
      await drain([dispatcher], () => allSettled([eventId]));
      expect(flaky.eventIds()).toEqual([eventId, eventId, eventId]);
      expect(flaky.received[2]!.headers['roster-delivery-attempt']).toBe('3');
      expect((await deliveriesOf(eventId))[0]).toMatchObject({
        status: 'delivered',
        attempts: 3,
        last_error: null,
      });
      // Delivered: redelivering is refused, and nothing more is sent.
      expect(await refusal(owner.webhooks.redeliver({ organizationId: org.id, deliveryId: dead!.id }))).toBe(
        'WEBHOOK_DELIVERY_NOT_REDELIVERABLE',
      );
      expect((await runRound(dispatcher)).claimed).toBe(0);
      expect(flaky.received).toHaveLength(3);
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'metadata'])
        .where('organization_id', '=', org.id)
        .where('action', '=', 'webhook.redelivered')
        .execute();
      expect(audit).toEqual([
        {
          action: 'webhook.redelivered',
          metadata: { webhookId: webhook.id, url: flaky.url, deliveryId: dead!.id, eventId },
        },
      ]);

      // A redelivery that fails again is dead again after its one attempt.
      flaky.respondWith(() => 500);
      const second = await insertEvent(db, org.id);
      figures.events++;
      await drain([dispatcher], () => allSettled([second]));
      const [again] = await deliveriesOf(second);
      await owner.webhooks.redeliver({ organizationId: org.id, deliveryId: again!.id });
      await drain([dispatcher], () => allSettled([second]));
      expect((await deliveriesOf(second))[0]).toMatchObject({
        status: 'dead',
        attempts: 3,
        last_error: 'HTTP 500',
      });
    } finally {
      await flaky.close();
    }
  });

  it('encrypts secrets stored in the clear when the server starts, and still signs with them', async () => {
    const own = await startReceiver();
    try {
      const org = await seedOrganization(db, ['owner']);
      // A webhook as the code before 2026-11-30 stored it: the secret in the clear (base64url).
      const legacySecret = `whsec_${Buffer.alloc(32, 9).toString('base64url')}`;
      const legacy = await db
        .insertInto('webhooks')
        .values({ organization_id: org.id, url: own.url, secret: legacySecret })
        .returning('id')
        .executeTakeFirstOrThrow();
      const key = 'a-test-key-for-webhook-secrets-0123456789';
      if (process.env.DATABASE_URL) {
        // The server, started on this database with a key, encrypts the row at start.
        const server = await startServer(
          loadConfig({
            PORT: '0',
            HOST: '127.0.0.1',
            LOG_LEVEL: 'silent',
            NODE_ENV: 'test',
            WEBHOOK_SECRETS_KEY: key,
            DATABASE_URL: t.url,
          }),
        );
        await server.close();
        // startServer configured this process's key; the rest of this file uses the development key.
        configureWebhookSecrets(DEVELOPMENT_WEBHOOK_SECRETS_KEY);
      } else {
        // PGlite: the server would open a database of its own; run its start step on this one.
        expect(await encryptPlainWebhookSecrets(db, createWebhookSecretBox(key))).toBe(1);
      }
      expect(await encryptPlainWebhookSecrets(db, createWebhookSecretBox(key))).toBe(0);
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', legacy.id)
        .executeTakeFirstOrThrow();
      expect(row.secret).toBeNull();
      expect(row.secret_ciphertext).not.toContain(legacySecret.slice(6));
      expect(createWebhookSecretBox(key).decrypt(row.secret_ciphertext!, legacy.id)).toBe(legacySecret);
      // The development key cannot read it.
      expect(() => webhookSecretBox().decrypt(row.secret_ciphertext!, legacy.id)).toThrow(
        /cannot be decrypted/,
      );
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      await runRound(localDispatcher(db, { secrets: createWebhookSecretBox(key) }));
      expect(own.eventIds()).toEqual([eventId]);
      // The legacy secret still signs both ways (its v1 key is the bytes of the base64url part).
      const request = own.received[0]!;
      expect(
        verifyWebhookSignature({
          secret: legacySecret,
          body: request.body,
          timestamp: request.headers['roster-timestamp'] as string,
          signature: request.headers['roster-signature'] as string,
        }),
      ).toBe(true);
      expect(request.headers['webhook-signature']).toBe(
        new Webhook(Buffer.alloc(32, 9), { format: 'raw' }).sign(
          eventId,
          new Date(Number(request.headers['webhook-timestamp']) * 1000),
          request.body,
        ),
      );
      // A dispatcher with the wrong key fails the attempt without sending and says why.
      const lost = await insertEvent(db, org.id);
      figures.events++;
      await runRound(localDispatcher(db));
      expect(own.received).toHaveLength(1);
      expect((await deliveriesOf(lost))[0]!.last_error).toMatch(/cannot be decrypted: WEBHOOK_SECRETS_KEY/);
      // The afterEach check reads secrets with the development key: hand it this one.
      formerSecrets.set(org.id, [legacySecret]);
      const production = {
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://127.0.0.1:1',
        APP_URL: 'https://app.example.com',
      };
      expect(() => loadConfig(production)).toThrow(
        /WEBHOOK_SECRETS_KEY must be set when NODE_ENV=production/,
      );
      expect(() => loadConfig({ ...production, WEBHOOK_SECRETS_KEY: 'short' })).toThrow(
        /WEBHOOK_SECRETS_KEY must be at least 32 characters \(got a value of 5 characters\)/,
      );
      expect(loadConfig({ ...production, WEBHOOK_SECRETS_KEY: key }).WEBHOOK_SECRETS_KEY).toBe(key);
    } finally {
      await own.close();
    }
  });
});

describe('docs/reliability.md states the retry schedule the code uses', () => {
  it('lists the same delays, jitter and circuit breaker figures as the constants', () => {
    const doc = readFileSync(new URL('../../../../docs/reliability.md', import.meta.url), 'utf8');
    const section = doc.slice(
      doc.indexOf('<!-- retry-schedule -->'),
      doc.indexOf('<!-- /retry-schedule -->'),
    );
    expect(section.length).toBeGreaterThan(50);
    const units: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000 };
    const delays = [...section.matchAll(/^\| (\d+) \| (\d+) (s|min|h) \|/gm)].map((m) => ({
      attempt: Number(m[1]),
      delayMs: Number(m[2]) * units[m[3]!]!,
    }));
    expect(delays).toEqual(WEBHOOK_RETRY_SCHEDULE_MS.map((delayMs, i) => ({ attempt: i + 2, delayMs })));
    expect(section).toContain(`±${WEBHOOK_RETRY_JITTER * 100} %`);
    expect(section).toContain(`${WEBHOOK_RETRY_SCHEDULE_MS.length + 1} attempts`);
    expect(section).toContain(`${WEBHOOK_CIRCUIT_BREAKER_THRESHOLD} failed attempts in a row`);
    expect(section).toContain(`${WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS / 60_000} min`);
    expect(section).toContain(`${WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS / 3_600_000} h`);
    expect(section).toContain(
      `${DEFAULT_DISPATCHER_SETTINGS.concurrencyPerEndpoint} request in flight per endpoint`,
    );
    expect(section).toContain(`${DEFAULT_DISPATCHER_SETTINGS.requestTimeoutMs / 1000} s`);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('webhook dispatchers on several replicas (postgres)', () => {
  it('two dispatchers on one database deliver each of 150 events exactly once', async () => {
    const shared = await startReceiver();
    const replicaA = createDatabase({ url: t.url, maxConnections: 5 });
    const replicaB = createDatabase({ url: t.url, maxConnections: 5 });
    try {
      const { org } = await ownerWithWebhook(shared.url);
      const ids: string[] = [];
      for (let i = 0; i < 150; i++) ids.push(await insertEvent(db, org.id, { n: i }));
      figures.events += ids.length;
      const a = localDispatcher(replicaA, { batchSize: 7, concurrencyPerEndpoint: 7 });
      const b = localDispatcher(replicaB, { batchSize: 7, concurrencyPerEndpoint: 7 });
      // Both replicas run their rounds at the same time until every event is settled.
      const claimed = [0, 0];
      for (let i = 0; i < 500 && !(await allSettled(ids)); i++) {
        const rounds = await Promise.all([runRound(a), runRound(b)]);
        rounds.forEach((r, k) => {
          claimed[k]! += r.claimed;
        });
      }
      const received = shared.eventIds();
      expect(received).toHaveLength(150);
      expect(new Set(received).size).toBe(150);
      expect([...received].sort()).toEqual([...ids].sort());
      // Each delivery was claimed once, by one replica or the other, and both did part of the work.
      expect(claimed[0]! + claimed[1]!).toBe(150);
      expect(claimed[0]).toBeGreaterThan(0);
      expect(claimed[1]).toBeGreaterThan(0);
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select(['attempts', 'status'])
        .where('event_id', 'in', ids)
        .execute();
      expect(rows).toHaveLength(150);
      expect(rows.every((d) => d.attempts === 1 && d.status === 'delivered')).toBe(true);
    } finally {
      await replicaA.destroy();
      await replicaB.destroy();
      await shared.close();
    }
  });
});

if (!process.env.DATABASE_URL) {
  console.log('[reliability] skipped on PGlite: several dispatchers on one database (needs DATABASE_URL)');
}

describe('webhook targets: no deliveries into private networks unless allowed (SSRF)', () => {
  it('tells public unicast addresses from loopback, private, link-local and reserved ones', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '151.101.1.69', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254', // cloud metadata
      '100.64.0.1', // carrier-grade NAT
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1', // IPv4-mapped loopback
      '::ffff:169.254.169.254',
      '2002:7f00:1::1', // 6to4 around 127.0.0.1
      '64:ff9b::a9fe:a9fe', // NAT64 around 169.254.169.254
      '::7f00:1', // IPv4-compatible 127.0.0.1, as a URL writes [::127.0.0.1]
      '::a9fe:a9fe', // IPv4-compatible 169.254.169.254
      'not-an-address',
      '',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('refuses loopback targets by default, by address and by name, sending nothing and keeping the reason', async () => {
    const target = await startReceiver();
    try {
      const { port, pathname } = new URL(target.url);
      for (const url of [
        target.url,
        `http://localhost:${port}${pathname}`,
        `http://[::1]:${port}${pathname}`,
      ]) {
        const { org, webhook } = await ownerWithWebhook(url);
        const eventId = await insertEvent(db, org.id);
        figures.events++;
        const round = await runRound(createDispatcher(db, immediateRetries(2)));
        expect(round).toMatchObject({ claimed: 1, delivered: 0, retrying: 1, failedRequests: 1 });
        const [delivery] = await deliveriesOf(eventId);
        expect(delivery).toMatchObject({ webhook_id: webhook.id, status: 'pending', last_status_code: null });
        expect(delivery!.last_error).toContain('refused');
        expect(delivery!.last_error).toContain('is not a public address');
        expect(delivery!.last_error).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS');
        // What the name resolves to is not said: an owner must not probe internal names (issue 13, finding 8).
        expect(delivery!.last_error).not.toContain('resolves');
        if (url.includes('localhost')) expect(delivery!.last_error).not.toMatch(/127\.0\.0\.1|::1/);
        // Refused every time: after its attempts it is a dead letter the owner can see, with the reason.
        await drain([createDispatcher(db, immediateRetries(2))], () => allSettled([eventId]));
        expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: 'dead', attempts: 2 });
      }
      expect(target.received).toHaveLength(0);

      // The same receiver, allowed explicitly (WEBHOOK_ALLOW_PRIVATE_TARGETS=1), gets the event.
      const { org } = await ownerWithWebhook(`http://localhost:${port}${pathname}`);
      const eventId = await insertEvent(db, org.id);
      figures.events++;
      await drain([localDispatcher(db)], () => allSettled([eventId]));
      expect((await deliveriesOf(eventId))[0]).toMatchObject({
        status: 'delivered',
        attempts: 1,
        last_error: null,
      });
      expect(target.eventIds()).toEqual([eventId]);
    } finally {
      await target.close();
    }
  });

  it('does not follow redirects (a public receiver could point into the network) and gives up on a silent one', async () => {
    const redirecting = await startReceiver();
    const inside = await startReceiver();
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      redirecting.respondWith(() => ({ status: 307, headers: { location: inside.url } }));
      const first = await ownerWithWebhook(redirecting.url);
      const redirected = await insertEvent(db, first.org.id);
      const port = (silent.address() as net.AddressInfo).port;
      const second = await ownerWithWebhook(`http://127.0.0.1:${port}/hooks`);
      const unanswered = await insertEvent(db, second.org.id);
      figures.events += 2;
      const round = await runRound(localDispatcher(db, { requestTimeoutMs: 300 }));
      expect(round).toMatchObject({ claimed: 2, delivered: 0, retrying: 2, failedRequests: 2 });
      expect((await deliveriesOf(redirected))[0]).toMatchObject({
        status: 'pending',
        last_status_code: 307,
        last_error: 'HTTP 307',
      });
      expect(redirecting.received).toHaveLength(1);
      expect(inside.received).toHaveLength(0);
      expect((await deliveriesOf(unanswered))[0]).toMatchObject({
        status: 'pending',
        last_error: 'timed out',
      });
    } finally {
      await redirecting.close();
      await inside.close();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('the dispatcher inside the server', () => {
  it('is off by default under NODE_ENV=test, on when configured, and stops when the server closes', async () => {
    const base = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      DATA_DIR: 'memory://',
    };
    const quiet = await startServer(loadConfig(base));
    try {
      expect(quiet.dispatcher.running).toBe(false);
      expect(quiet.dispatcher.settings.allowPrivateTargets).toBe(false);
      expect(quiet.dispatcher.settings.retryScheduleMs).toEqual(WEBHOOK_RETRY_SCHEDULE_MS);
    } finally {
      await quiet.close();
    }
    const server = await startServer(
      loadConfig({ ...base, DISPATCHER_INTERVAL_MS: '25', WEBHOOK_RETRY_SCHEDULE: '1s, 90s,2m,1h,1d' }),
    );
    expect(server.dispatcher.running).toBe(true);
    expect(server.dispatcher.settings).toMatchObject({
      intervalMs: 25,
      retryScheduleMs: [1000, 90_000, 120_000, 3_600_000, 86_400_000],
      allowPrivateTargets: false,
    });
    await server.close();
    expect(server.dispatcher.running).toBe(false);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE must be/);
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'delivers events on its own while the server runs (postgres)',
    async () => {
      const own = await startReceiver();
      const server = await startServer(
        loadConfig({
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'silent',
          NODE_ENV: 'test',
          DATABASE_URL: t.url,
          DISPATCHER_INTERVAL_MS: '20',
          // The receiver listens on 127.0.0.1.
          WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
        }),
      );
      try {
        const { org } = await ownerWithWebhook(own.url);
        const eventId = await insertEvent(db, org.id);
        figures.events++;
        await vi.waitFor(
          async () => {
            expect((await deliveriesOf(eventId))[0]?.status).toBe('delivered');
          },
          { timeout: 60_000, interval: 50 },
        );
        expect(own.eventIds()).toEqual([eventId]);
      } finally {
        await server.close();
        await own.close();
      }
    },
  );
});
