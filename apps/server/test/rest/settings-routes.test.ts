import { sha256Hex, webhookSecretBox } from '@roster/api';
import type { Role } from '@roster/db';
import { describe, expect, it } from 'vitest';
import { createKey, DB_KIND, useIdentityServer } from '../identity/helpers';
import {
  auditActions,
  expectDocumented,
  expectProblem,
  organizationWithPeople,
  type RestAuth,
  restClient,
} from './helpers';

/**
 * The settings routes of `/v1` (API keys, webhooks), called over HTTP with a session cookie, as people
 * only may: every answer is checked against the served OpenAPI document, the database after each change,
 * and one refusal per route with its documented status.
 */

const s = useIdentityServer();
const rest = (auth: RestAuth = {}) => restClient(s.base, auth);
const organizationOf = (roles: Role[]) => organizationWithPeople(s, roles);

describe(`REST /v1 API keys (${DB_KIND})`, () => {
  it('creates a key (the secret once), lists it without the secret, and revokes it; the database follows', async () => {
    const org = await organizationOf(['owner', 'admin']);
    const admin = org.members[1]!;
    const client = rest({ cookie: admin.cookie });

    const created = await client.POST('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id } },
      body: { name: 'CRM sync', scopes: ['members:write', 'members:read', 'members:read'] },
    });
    expect(created.response.status).toBe(200);
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/api-keys', created);
    const key = created.data!;
    expect(key).toMatchObject({
      name: 'CRM sync',
      scopes: ['members:read', 'members:write'],
      expiresAt: null,
    });
    expect(key.key).toMatch(/^rst_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    const row = await s.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      organization_id: org.id,
      created_by: admin.user.id,
      name: 'CRM sync',
      scopes: ['members:read', 'members:write'],
      secret_hash: sha256Hex(key.key),
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(key.key);
    // The key works on the REST door at once.
    const asKey = await rest({ apiKey: key.key }).GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: org.id } },
    });
    expect(asKey.response.status).toBe(200);

    const listed = await client.GET('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id } },
    });
    // The document names no secret field: the strict schema would refuse one.
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/api-keys', listed);
    expect(listed.data?.items).toEqual([
      expect.objectContaining({
        id: key.id,
        prefix: key.prefix,
        status: 'active',
        createdBy: { id: admin.user.id, name: expect.any(String), email: admin.user.email },
        organizationOwnedAt: null,
        revokedAt: null,
      }),
    ]);
    expect(JSON.stringify(listed.data)).not.toContain(key.key);

    const revoked = await client.DELETE('/organizations/{organizationId}/api-keys/{apiKeyId}', {
      params: { path: { organizationId: org.id, apiKeyId: key.id } },
    });
    expect(revoked.response.status).toBe(200);
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}/api-keys/{apiKeyId}', revoked);
    expect(revoked.data).toEqual({ id: key.id, revokedAt: expect.any(String) });
    const after = await s.db
      .selectFrom('api_keys')
      .select(['revoked_at', 'revoked_reason'])
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(after.revoked_reason).toBe('revoked');
    expect(after.revoked_at?.toISOString()).toBe(revoked.data!.revokedAt);
    const refused = await rest({ apiKey: key.key }).GET('/organizations/{organizationId}/members', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(refused.response, refused.error, 401, 'INVALID_API_KEY');

    const live = await client.GET('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id } },
    });
    expect(live.data?.items).toEqual([]);
    const all = await client.GET('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id }, query: { includeRevoked: true } },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/api-keys', all);
    expect(all.data?.items.map((item) => [item.id, item.status, item.revokedReason])).toEqual([
      [key.id, 'revoked', 'revoked'],
    ]);
    expect(await auditActions(s, org.id)).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it('refuses: a member creating a key (403), a key listing keys (403 SESSION_REQUIRED), a second revoke (404); nothing changes', async () => {
    const org = await organizationOf(['owner', 'member']);
    const [owner, member] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];

    const byMember = await rest({ cookie: member.cookie }).POST('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id } },
      body: { name: 'nope', scopes: ['members:read'] },
    });
    expectProblem(byMember.response, byMember.error, 403, 'INSUFFICIENT_ROLE');
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/api-keys', byMember);
    expect(await s.db.selectFrom('api_keys').select('id').where('name', '=', 'nope').execute()).toEqual([]);

    const key = await createKey(s.base, owner.cookie, org.id, ['members:read', 'members:write']);
    const byKey = await rest({ apiKey: key.key }).GET('/organizations/{organizationId}/api-keys', {
      params: { path: { organizationId: org.id } },
    });
    expectProblem(byKey.response, byKey.error, 403, 'SESSION_REQUIRED');
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/api-keys', byKey);

    const client = rest({ cookie: owner.cookie });
    const path = { organizationId: org.id, apiKeyId: key.id };
    expect(
      (await client.DELETE('/organizations/{organizationId}/api-keys/{apiKeyId}', { params: { path } }))
        .response.status,
    ).toBe(200);
    const again = await client.DELETE('/organizations/{organizationId}/api-keys/{apiKeyId}', {
      params: { path },
    });
    expectProblem(again.response, again.error, 404, 'API_KEY_NOT_FOUND');
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}/api-keys/{apiKeyId}', again);
    expect(await auditActions(s, org.id)).toEqual(['api_key.created', 'api_key.revoked']);
  });
});

describe(`REST /v1 webhooks (${DB_KIND})`, () => {
  it('registers a webhook (the secret once), lists it, rotates its secret, redelivers a dead delivery and deletes it', async () => {
    const org = await organizationOf(['owner']);
    const owner = org.members[0]!;
    const client = rest({ cookie: owner.cookie });

    const created = await client.POST('/organizations/{organizationId}/webhooks', {
      params: { path: { organizationId: org.id } },
      body: {
        url: 'https://hooks.example.test/roster',
        description: 'CRM sync',
        eventTypes: ['member.removed', 'member.added'],
      },
    });
    expect(created.response.status).toBe(200);
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/webhooks', created);
    const hook = created.data!;
    expect(hook).toMatchObject({
      url: 'https://hooks.example.test/roster',
      description: 'CRM sync',
      eventTypes: ['member.removed', 'member.added'],
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await s.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ organization_id: org.id, created_by: owner.user.id, secret: null });
    expect(new Date(row.created_at).toISOString()).toBe(hook.createdAt);
    expect(webhookSecretBox().decrypt(row.secret_ciphertext!, hook.id)).toBe(hook.secret);

    const listed = await client.GET('/organizations/{organizationId}/webhooks', {
      params: { path: { organizationId: org.id } },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhooks', listed);
    expect(listed.data).toEqual([
      {
        id: hook.id,
        url: hook.url,
        description: 'CRM sync',
        eventTypes: ['member.removed', 'member.added'],
        consecutiveFailures: 0,
        pausedUntil: null,
        createdBy: owner.user.id,
        createdAt: hook.createdAt,
      },
    ]);

    const rotated = await client.POST('/organizations/{organizationId}/webhooks/{webhookId}/rotate-secret', {
      params: { path: { organizationId: org.id, webhookId: hook.id } },
    });
    expect(rotated.response.status).toBe(200);
    await expectDocumented(
      s.base,
      'POST /organizations/{organizationId}/webhooks/{webhookId}/rotate-secret',
      rotated,
    );
    expect(rotated.data?.id).toBe(hook.id);
    expect(rotated.data?.secret).toMatch(/^whsec_/);
    expect(rotated.data?.secret).not.toBe(hook.secret);
    const rotatedRow = await s.db
      .selectFrom('webhooks')
      .select('secret_ciphertext')
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(webhookSecretBox().decrypt(rotatedRow.secret_ciphertext!, hook.id)).toBe(rotated.data!.secret);

    // A delivery that failed every attempt (as the dispatcher leaves it), with its endpoint paused.
    const event = await s.db
      .insertInto('outbox_events')
      .values({ organization_id: org.id, type: 'member.removed', payload: {} })
      .returning('id')
      .executeTakeFirstOrThrow();
    const dead = await s.db
      .insertInto('webhook_deliveries')
      .values({
        event_id: event.id,
        webhook_id: hook.id,
        status: 'dead',
        attempts: 3,
        last_status_code: 502,
        last_error: 'HTTP 502',
        last_attempt_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.db
      .updateTable('webhooks')
      .set({ paused_until: new Date(Date.now() + 3_600_000), consecutive_failures: 5 })
      .where('id', '=', hook.id)
      .execute();
    const deadLetters = await client.GET('/organizations/{organizationId}/webhook-deliveries', {
      params: { path: { organizationId: org.id }, query: { status: 'dead', webhookId: hook.id, limit: 10 } },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhook-deliveries', deadLetters);
    expect(deadLetters.data).toEqual([
      expect.objectContaining({
        id: dead.id,
        eventId: event.id,
        eventType: 'member.removed',
        webhookId: hook.id,
        status: 'dead',
        attempts: 3,
        lastStatusCode: 502,
        lastError: 'HTTP 502',
        nextAttemptAt: null,
        deliveredAt: null,
      }),
    ]);
    const pausedList = await client.GET('/organizations/{organizationId}/webhooks', {
      params: { path: { organizationId: org.id } },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhooks', pausedList);
    expect(pausedList.data?.[0]?.pausedUntil).toEqual(expect.any(String));

    const redelivered = await client.POST(
      '/organizations/{organizationId}/webhook-deliveries/{deliveryId}/redeliver',
      { params: { path: { organizationId: org.id, deliveryId: dead.id } } },
    );
    expect(redelivered.response.status).toBe(200);
    await expectDocumented(
      s.base,
      'POST /organizations/{organizationId}/webhook-deliveries/{deliveryId}/redeliver',
      redelivered,
    );
    expect(redelivered.data).toEqual({ id: dead.id, status: 'pending', attempts: 3 });
    expect(
      await s.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'max_attempts'])
        .where('id', '=', dead.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'pending', max_attempts: 4 });
    expect(
      (
        await s.db
          .selectFrom('webhooks')
          .select('paused_until')
          .where('id', '=', hook.id)
          .executeTakeFirstOrThrow()
      ).paused_until,
    ).toBeNull();
    const pending = await client.GET('/organizations/{organizationId}/webhook-deliveries', {
      params: { path: { organizationId: org.id } },
    });
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhook-deliveries', pending);
    expect(pending.data?.[0]).toMatchObject({
      id: dead.id,
      status: 'pending',
      nextAttemptAt: expect.any(String),
    });

    const deleted = await client.DELETE('/organizations/{organizationId}/webhooks/{webhookId}', {
      params: { path: { organizationId: org.id, webhookId: hook.id } },
    });
    expect(deleted.response.status).toBe(204);
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}/webhooks/{webhookId}', deleted);
    expect(await deleted.response.text()).toBe('');
    expect(await s.db.selectFrom('webhooks').select('id').where('id', '=', hook.id).execute()).toEqual([]);
    expect(
      await s.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.id).execute(),
    ).toEqual([]);
    expect(await auditActions(s, org.id)).toEqual([
      'webhook.created',
      'webhook.secret_rotated',
      'webhook.redelivered',
      'webhook.deleted',
    ]);
  });

  it('refuses each webhook route once, with its documented status, changing nothing', async () => {
    const org = await organizationOf(['owner', 'admin']);
    const [owner, admin] = org.members as [(typeof org.members)[0], (typeof org.members)[0]];
    const outsider = await organizationOf(['owner']);
    const client = rest({ cookie: owner.cookie });
    const hook = (
      await client.POST('/organizations/{organizationId}/webhooks', {
        params: { path: { organizationId: org.id } },
        body: { url: 'https://hooks.example.test/kept' },
      })
    ).data!;
    const event = await s.db
      .insertInto('outbox_events')
      .values({ organization_id: org.id, type: 'member.removed', payload: {} })
      .returning('id')
      .executeTakeFirstOrThrow();
    const pending = await s.db
      .insertInto('webhook_deliveries')
      .values({ event_id: event.id, webhook_id: hook.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const path = { organizationId: org.id };
    const unknownId = '7d3f1c52-9a0e-4b7c-8e21-5a6b7c8d9e0f';

    const byAdmin = await rest({ cookie: admin.cookie }).POST('/organizations/{organizationId}/webhooks', {
      params: { path },
      body: { url: 'https://hooks.example.test/admin' },
    });
    expectProblem(byAdmin.response, byAdmin.error, 403, 'INSUFFICIENT_ROLE');
    await expectDocumented(s.base, 'POST /organizations/{organizationId}/webhooks', byAdmin);

    const listByAdmin = await rest({ cookie: admin.cookie }).GET('/organizations/{organizationId}/webhooks', {
      params: { path },
    });
    expectProblem(listByAdmin.response, listByAdmin.error, 403, 'INSUFFICIENT_ROLE');
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhooks', listByAdmin);

    const foreign = await rest({ cookie: outsider.members[0]!.cookie }).GET(
      '/organizations/{organizationId}/webhook-deliveries',
      { params: { path } },
    );
    expectProblem(foreign.response, foreign.error, 404, 'ORGANIZATION_NOT_FOUND');
    await expectDocumented(s.base, 'GET /organizations/{organizationId}/webhook-deliveries', foreign);

    const rotateUnknown = await client.POST(
      '/organizations/{organizationId}/webhooks/{webhookId}/rotate-secret',
      { params: { path: { ...path, webhookId: unknownId } } },
    );
    expectProblem(rotateUnknown.response, rotateUnknown.error, 404, 'WEBHOOK_NOT_FOUND');
    await expectDocumented(
      s.base,
      'POST /organizations/{organizationId}/webhooks/{webhookId}/rotate-secret',
      rotateUnknown,
    );

    // Only a dead delivery can be redelivered: a pending one is refused.
    const notDead = await client.POST(
      '/organizations/{organizationId}/webhook-deliveries/{deliveryId}/redeliver',
      { params: { path: { ...path, deliveryId: pending.id } } },
    );
    expectProblem(notDead.response, notDead.error, 409, 'WEBHOOK_DELIVERY_NOT_REDELIVERABLE');
    await expectDocumented(
      s.base,
      'POST /organizations/{organizationId}/webhook-deliveries/{deliveryId}/redeliver',
      notDead,
    );

    // A webhook of this organization, deleted through another organization's path: not found there.
    const elsewhere = await rest({ cookie: outsider.members[0]!.cookie }).DELETE(
      '/organizations/{organizationId}/webhooks/{webhookId}',
      { params: { path: { organizationId: outsider.id, webhookId: hook.id } } },
    );
    expectProblem(elsewhere.response, elsewhere.error, 404, 'WEBHOOK_NOT_FOUND');
    await expectDocumented(s.base, 'DELETE /organizations/{organizationId}/webhooks/{webhookId}', elsewhere);

    const hooks = await s.db
      .selectFrom('webhooks')
      .select(['id', 'url'])
      .where('organization_id', '=', org.id)
      .execute();
    expect(hooks).toEqual([{ id: hook.id, url: 'https://hooks.example.test/kept' }]);
    expect(
      await s.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('id', '=', pending.id)
        .executeTakeFirst(),
    ).toEqual({ status: 'pending' });
    expect(await auditActions(s, org.id)).toEqual(['webhook.created']);
  });
});
