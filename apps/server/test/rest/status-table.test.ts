import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_REASON_LIST, ERROR_REASONS, type ErrorReason, sha256Hex } from '@roster/api';
import { createTestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKey,
  DB_KIND,
  listenTestServer,
  mutate,
  PASSWORD,
  signUp,
  startIdentityServer,
  useIdentityServer,
} from '../identity/helpers';
import { holdOrganizationLock } from '../reliability/fixtures';
import { organizationWithPeople } from './helpers';

/**
 * The status table: every reason in `ErrorReason` is reached over `/trpc` and, where a route can answer
 * it, over REST, and both answer the status docs/errors.md names beside it (which is the one declared in
 * errors.ts). A new reason fails the typecheck of `REACH` until it says how it is reached — or, for a
 * reason nothing can answer yet, why not.
 */

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url)), 'utf8');
const documentedStatus = new Map(
  [...doc.matchAll(/^\| \[`([A-Z_]+)`\]\(#[a-z_]+\) \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]),
);

interface Answer {
  status: number;
  reason: string | undefined;
  headers: Headers;
  contentType: string | null;
}

async function trpcAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  const body = JSON.parse(text) as { error?: { data?: { reason?: string } } };
  return {
    status: response.status,
    reason: body.error?.data?.reason,
    headers: response.headers,
    contentType: response.headers.get('content-type'),
  };
}

async function restAnswer(response: Response): Promise<Answer> {
  const body = JSON.parse(await response.text()) as { code?: string; error?: { data?: { reason?: string } } };
  return {
    status: response.status,
    // Refusals from Node's HTTP parser come before any route is known: tRPC's shape there.
    reason: body.code ?? body.error?.data?.reason,
    headers: response.headers,
    contentType: response.headers.get('content-type'),
  };
}

const s = useIdentityServer();
let owner: { cookie: string; userId: string };
let member: { cookie: string; userId: string; email: string; membershipId: string };
let organizationId: string;
let readKey: string;

beforeAll(async () => {
  const org = await organizationWithPeople(s, ['owner', 'member']);
  organizationId = org.id;
  owner = { cookie: org.members[0]!.cookie, userId: org.members[0]!.user.id };
  const m = org.members[1]!;
  member = { cookie: m.cookie, userId: m.user.id, email: m.user.email, membershipId: m.membershipId };
  readKey = (await createKey(s.base, owner.cookie, organizationId, ['members:read'])).key;
});

/** A key past its expiry (created for an hour, then moved into the past in the database). */
async function expiredKey(): Promise<string> {
  const created = await mutate<{ id: string; key: string }>(
    s.base,
    'apiKeys.create',
    {
      organizationId,
      name: 'expiring',
      scopes: ['members:read'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
    { cookie: owner.cookie },
  );
  await s.db
    .updateTable('api_keys')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', created.data.id)
    .execute();
  return created.data.key;
}

const json = { 'content-type': 'application/json' };
const RANDOM_ID = '7d3f1c52-9a0e-4b7c-8e21-5a6b7c8d9e0f';

function trpcPost(path: string, input: unknown, headers: Record<string, string> = {}) {
  return fetch(`${s.base}/trpc/${path}`, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify(input),
  }).then(trpcAnswer);
}
function trpcGet(path: string, input: unknown, headers: Record<string, string> = {}) {
  return fetch(`${s.base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers }).then(
    trpcAnswer,
  );
}
function restCall(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return fetch(`${s.base}/v1${path}`, {
    method,
    headers: body === undefined ? headers : { ...json, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(restAnswer);
}

/** A new organization (owner + member) for reasons whose setup changes state. */
async function freshOrganization() {
  const org = await organizationWithPeople(s, ['owner', 'member']);
  return {
    id: org.id,
    owner: { cookie: org.members[0]!.cookie },
    member: { cookie: org.members[1]!.cookie, membershipId: org.members[1]!.membershipId },
  };
}

/** A new organization whose deletion was scheduled and whose grace period ended a minute ago. */
async function organizationPastItsGracePeriod() {
  const org = await freshOrganization();
  await trpcPostData('organizations.scheduleDeletion', { organizationId: org.id }, org.owner.cookie);
  await s.db
    .updateTable('organizations')
    .set({ deletion_due_at: new Date(Date.now() - 60_000) })
    .where('id', '=', org.id)
    .execute();
  return org;
}

/** A new organization whose owner offered ownership to its member; the offer expired a minute ago. */
async function organizationWithAnExpiredOffer() {
  const org = await freshOrganization();
  const offer = await trpcPostData<{ id: string }>(
    'members.offerOwnership',
    { organizationId: org.id, memberId: org.member.membershipId },
    org.owner.cookie,
  );
  await s.db
    .updateTable('ownership_offers')
    .set({ expires_at: new Date(Date.now() - 60_000) })
    .where('id', '=', offer.id)
    .execute();
  return { ...org, offerId: offer.id };
}

/** A new organization with a webhook delivery still pending (not dead): nothing to redeliver. */
async function organizationWithAPendingDelivery() {
  const org = await freshOrganization();
  const hook = await trpcPostData<{ id: string }>(
    'webhooks.create',
    { organizationId: org.id, url: 'https://hooks.example.test/pending' },
    org.owner.cookie,
  );
  const event = await s.db
    .insertInto('outbox_events')
    .values({ organization_id: org.id, type: 'member.removed', payload: {} })
    .returning('id')
    .executeTakeFirstOrThrow();
  const delivery = await s.db
    .insertInto('webhook_deliveries')
    .values({ event_id: event.id, webhook_id: hook.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...org, deliveryId: delivery.id };
}

/** A new organization with as many webhooks as an organization may have (created until one is refused). */
async function organizationWithAllItsWebhooks() {
  const org = await freshOrganization();
  for (let i = 0; i <= 100; i++) {
    const answer = await trpcPost(
      'webhooks.create',
      { organizationId: org.id, url: `https://hooks.example.test/${i}` },
      { cookie: org.owner.cookie },
    );
    if (answer.status !== 200) return org;
  }
  throw new Error('no webhook limit after 100 webhooks');
}

/** An invitation to `email` that expired a minute ago. */
async function expiredInvitationFor(email: string): Promise<string> {
  const org = await freshOrganization();
  const invited = await trpcPostData<{ id: string }>(
    'invitations.create',
    { organizationId: org.id, email, role: 'member' },
    org.owner.cookie,
  );
  await s.db
    .updateTable('invitations')
    .set({ expires_at: new Date(Date.now() - 60_000) })
    .where('id', '=', invited.id)
    .execute();
  return invited.id;
}

async function trpcPostData<T>(path: string, input: unknown, cookie: string): Promise<T> {
  const res = await fetch(`${s.base}/trpc/${path}`, {
    method: 'POST',
    headers: { ...json, cookie },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result) throw new Error(`${path} failed: ${JSON.stringify(body)}`);
  return body.result.data;
}

type Reach =
  | { trpc: () => Promise<Answer>; rest?: () => Promise<Answer> }
  /** Nothing answers this reason yet: say why. */
  | { unreached: string };

/** How each reason is reached. The keys are typed: a new reason must be added here. */
const REACH: Record<ErrorReason, Reach> = {
  UNAUTHENTICATED: {
    trpc: () => trpcGet('members.list', { organizationId }),
    rest: () => restCall('GET', `/organizations/${organizationId}/members`),
  },
  INVALID_CREDENTIALS: {
    trpc: async () => {
      const { user } = await signUp(s.base, 'forgetful');
      return trpcPost('auth.signIn', { email: user.email, password: `${PASSWORD}!` });
    },
  },
  INVALID_API_KEY: {
    trpc: () => trpcGet('members.list', { organizationId }, { authorization: 'Bearer rst_not_a_key' }),
    rest: () => restCall('GET', `/organizations/${organizationId}/members`, { 'x-api-key': 'rst_not_a_key' }),
  },
  API_KEY_EXPIRED: {
    trpc: async () =>
      trpcGet('members.list', { organizationId }, { authorization: `Bearer ${await expiredKey()}` }),
    rest: async () =>
      restCall('GET', `/organizations/${organizationId}/members`, { 'x-api-key': await expiredKey() }),
  },
  HOST_NOT_ALLOWED: {
    unreached:
      'this suite’s server has no Host check (buildServer without hostCheck); apps/server/test/host.test.ts reaches it with a rebinding Host',
  },
  TOKEN_INVALID: {
    trpc: () => trpcPost('auth.verifyEmail', { token: 'A'.repeat(43) }),
  },
  TOKEN_EXPIRED: {
    trpc: async () => {
      const { user } = await signUp(s.base, 'expired-link');
      const token = randomBytes(32).toString('base64url');
      await s.db
        .insertInto('email_tokens')
        .values({
          purpose: 'verify_email',
          token_hash: sha256Hex(token),
          email: user.email,
          user_id: user.id,
          expires_at: new Date(Date.now() - 1000),
        })
        .execute();
      return trpcPost('auth.verifyEmail', { token });
    },
  },
  EMAIL_NOT_VERIFIED: {
    trpc: async () => {
      const { cookie } = await signUp(s.base, 'unproven');
      return trpcPost('invitations.accept', { invitationId: RANDOM_ID }, { cookie });
    },
    rest: async () => {
      const { cookie } = await signUp(s.base, 'unproven');
      return restCall('POST', `/invitations/${RANDOM_ID}/accept`, { cookie });
    },
  },
  INVITATION_FOR_ANOTHER_ADDRESS: {
    trpc: async () => {
      const invitation = await s.db
        .insertInto('invitations')
        .values({
          organization_id: organizationId,
          email: `someone-else-${randomBytes(4).toString('hex')}@example.test`,
          role: 'member',
          invited_by: owner.userId,
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .returning(['id', 'email'])
        .executeTakeFirstOrThrow();
      const token = randomBytes(32).toString('base64url');
      await s.db
        .insertInto('email_tokens')
        .values({
          purpose: 'invitation',
          token_hash: sha256Hex(token),
          email: invitation.email,
          invitation_id: invitation.id,
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .execute();
      return trpcPost('invitations.acceptByToken', { token }, { cookie: member.cookie });
    },
  },
  INVITATION_RESEND_TOO_SOON: {
    trpc: async () => {
      const invited = await trpcPostData<{ id: string }>(
        'invitations.create',
        { organizationId, email: `resent-${randomBytes(4).toString('hex')}@example.test`, role: 'member' },
        owner.cookie,
      );
      return trpcPost('invitations.resend', { invitationId: invited.id }, { cookie: owner.cookie });
    },
  },
  FORBIDDEN_ORIGIN: {
    trpc: () =>
      trpcPost(
        'members.leave',
        { organizationId },
        { cookie: member.cookie, origin: 'https://evil.example' },
      ),
    rest: () =>
      restCall('DELETE', `/organizations/${organizationId}/members/me`, {
        cookie: member.cookie,
        origin: 'https://evil.example',
      }),
  },
  SESSION_REQUIRED: {
    trpc: () => trpcPost('members.leave', { organizationId }, { authorization: `Bearer ${readKey}` }),
    rest: () =>
      restCall('DELETE', `/organizations/${organizationId}/members/me`, {
        authorization: `Bearer ${readKey}`,
      }),
  },
  ORGANIZATION_NOT_FOUND: {
    trpc: () => trpcGet('members.list', { organizationId: RANDOM_ID }, { cookie: member.cookie }),
    rest: () => restCall('GET', `/organizations/${RANDOM_ID}/members`, { cookie: member.cookie }),
  },
  INSUFFICIENT_ROLE: {
    trpc: () => trpcGet('auditLog.list', { organizationId }, { cookie: member.cookie }),
    rest: () => restCall('GET', `/organizations/${organizationId}/audit-log`, { cookie: member.cookie }),
  },
  INSUFFICIENT_SCOPE: {
    trpc: () => trpcGet('auditLog.list', { organizationId }, { authorization: `Bearer ${readKey}` }),
    rest: () =>
      restCall('GET', `/organizations/${organizationId}/audit-log`, { authorization: `Bearer ${readKey}` }),
  },
  AT_LEAST_ONE_OWNER_REQUIRED: {
    trpc: () => trpcPost('members.leave', { organizationId }, { cookie: owner.cookie }),
    rest: () => restCall('DELETE', `/organizations/${organizationId}/members/me`, { cookie: owner.cookie }),
  },
  ORGANIZATION_DELETION_SCHEDULED: {
    trpc: async () => {
      const org = await freshOrganization();
      await trpcPostData('organizations.scheduleDeletion', { organizationId: org.id }, org.owner.cookie);
      return trpcPost('members.leave', { organizationId: org.id }, { cookie: org.member.cookie });
    },
    rest: async () => {
      const org = await freshOrganization();
      await trpcPostData('organizations.scheduleDeletion', { organizationId: org.id }, org.owner.cookie);
      return restCall('DELETE', `/organizations/${org.id}/members/me`, { cookie: org.member.cookie });
    },
  },
  DELETION_GRACE_PERIOD_OVER: {
    trpc: async () => {
      const org = await organizationPastItsGracePeriod();
      return trpcPost('organizations.restore', { organizationId: org.id }, { cookie: org.owner.cookie });
    },
    rest: async () => {
      const org = await organizationPastItsGracePeriod();
      return restCall('POST', `/organizations/${org.id}/restore`, { cookie: org.owner.cookie });
    },
  },
  OWNERSHIP_OFFER_PENDING: {
    trpc: async () => {
      const org = await freshOrganization();
      const input = { organizationId: org.id, memberId: org.member.membershipId };
      await trpcPostData('members.offerOwnership', input, org.owner.cookie);
      return trpcPost('members.offerOwnership', input, { cookie: org.owner.cookie });
    },
    rest: async () => {
      const org = await freshOrganization();
      const input = { organizationId: org.id, memberId: org.member.membershipId };
      await trpcPostData('members.offerOwnership', input, org.owner.cookie);
      return restCall(
        'POST',
        `/organizations/${org.id}/ownership-offers`,
        { cookie: org.owner.cookie },
        { memberId: org.member.membershipId },
      );
    },
  },
  OWNERSHIP_OFFER_NOT_FOUND: {
    trpc: () => trpcPost('members.acceptOwnership', { offerId: RANDOM_ID }, { cookie: member.cookie }),
    rest: () => restCall('POST', `/ownership-offers/${RANDOM_ID}/accept`, { cookie: member.cookie }),
  },
  OWNERSHIP_OFFER_EXPIRED: {
    trpc: async () => {
      const org = await organizationWithAnExpiredOffer();
      return trpcPost('members.acceptOwnership', { offerId: org.offerId }, { cookie: org.member.cookie });
    },
    rest: async () => {
      const org = await organizationWithAnExpiredOffer();
      return restCall('POST', `/ownership-offers/${org.offerId}/accept`, { cookie: org.member.cookie });
    },
  },
  MEMBER_NOT_FOUND: {
    trpc: () => trpcPost('members.remove', { organizationId, memberId: RANDOM_ID }, { cookie: owner.cookie }),
    rest: () =>
      restCall('DELETE', `/organizations/${organizationId}/members/${RANDOM_ID}`, { cookie: owner.cookie }),
  },
  ALREADY_MEMBER: {
    trpc: () =>
      trpcPost(
        'invitations.create',
        { organizationId, email: member.email, role: 'viewer' },
        { cookie: owner.cookie },
      ),
    rest: () =>
      restCall(
        'POST',
        `/organizations/${organizationId}/invitations`,
        { cookie: owner.cookie },
        {
          email: member.email,
          role: 'viewer',
        },
      ),
  },
  SLUG_TAKEN: {
    trpc: async () => {
      const slug = `taken-${member.userId.slice(0, 8)}-t`;
      await trpcPostData('organizations.create', { name: 'First', slug }, member.cookie);
      return trpcPost('organizations.create', { name: 'Second', slug }, { cookie: member.cookie });
    },
    rest: async () => {
      const slug = `taken-${member.userId.slice(0, 8)}-r`;
      await trpcPostData('organizations.create', { name: 'First', slug }, member.cookie);
      return restCall('POST', '/organizations', { cookie: member.cookie }, { name: 'Second', slug });
    },
  },
  INVITATION_NOT_FOUND: {
    trpc: () => trpcPost('invitations.revoke', { invitationId: RANDOM_ID }, { cookie: owner.cookie }),
    rest: () => restCall('DELETE', `/invitations/${RANDOM_ID}`, { cookie: owner.cookie }),
  },
  INVITATION_EXPIRED: {
    trpc: async () => {
      const invitee = await signUp(s.base, 'late');
      await s.db
        .updateTable('users')
        .set({ email_verified_at: new Date() })
        .where('id', '=', invitee.user.id)
        .execute();
      const invitationId = await expiredInvitationFor(invitee.user.email);
      return trpcPost('invitations.accept', { invitationId }, { cookie: invitee.cookie });
    },
    rest: async () => {
      const invitee = await signUp(s.base, 'late');
      await s.db
        .updateTable('users')
        .set({ email_verified_at: new Date() })
        .where('id', '=', invitee.user.id)
        .execute();
      const invitationId = await expiredInvitationFor(invitee.user.email);
      return restCall('POST', `/invitations/${invitationId}/accept`, { cookie: invitee.cookie });
    },
  },
  INVITATION_ALREADY_PENDING: {
    trpc: async () => {
      const email = `pending-t-${member.userId.slice(0, 8)}@example.test`;
      await trpcPostData('invitations.create', { organizationId, email, role: 'viewer' }, owner.cookie);
      return trpcPost(
        'invitations.create',
        { organizationId, email, role: 'viewer' },
        { cookie: owner.cookie },
      );
    },
    rest: async () => {
      const email = `pending-r-${member.userId.slice(0, 8)}@example.test`;
      await trpcPostData('invitations.create', { organizationId, email, role: 'viewer' }, owner.cookie);
      return restCall(
        'POST',
        `/organizations/${organizationId}/invitations`,
        { cookie: owner.cookie },
        {
          email,
          role: 'viewer',
        },
      );
    },
  },
  API_KEY_NOT_FOUND: {
    trpc: () => trpcPost('apiKeys.revoke', { organizationId, apiKeyId: RANDOM_ID }, { cookie: owner.cookie }),
    rest: () =>
      restCall('DELETE', `/organizations/${organizationId}/api-keys/${RANDOM_ID}`, { cookie: owner.cookie }),
  },
  WEBHOOK_NOT_FOUND: {
    trpc: () =>
      trpcPost('webhooks.delete', { organizationId, webhookId: RANDOM_ID }, { cookie: owner.cookie }),
    rest: () =>
      restCall('DELETE', `/organizations/${organizationId}/webhooks/${RANDOM_ID}`, { cookie: owner.cookie }),
  },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    trpc: () =>
      trpcPost('webhooks.redeliver', { organizationId, deliveryId: RANDOM_ID }, { cookie: owner.cookie }),
    rest: () =>
      restCall('POST', `/organizations/${organizationId}/webhook-deliveries/${RANDOM_ID}/redeliver`, {
        cookie: owner.cookie,
      }),
  },
  WEBHOOK_DELIVERY_NOT_REDELIVERABLE: {
    trpc: async () => {
      const org = await organizationWithAPendingDelivery();
      return trpcPost(
        'webhooks.redeliver',
        { organizationId: org.id, deliveryId: org.deliveryId },
        { cookie: org.owner.cookie },
      );
    },
    rest: async () => {
      const org = await organizationWithAPendingDelivery();
      return restCall('POST', `/organizations/${org.id}/webhook-deliveries/${org.deliveryId}/redeliver`, {
        cookie: org.owner.cookie,
      });
    },
  },
  WEBHOOK_LIMIT_REACHED: {
    trpc: async () => {
      const org = await organizationWithAllItsWebhooks();
      return trpcPost(
        'webhooks.create',
        { organizationId: org.id, url: 'https://hooks.example.test/one-more' },
        { cookie: org.owner.cookie },
      );
    },
    rest: async () => {
      const org = await organizationWithAllItsWebhooks();
      return restCall(
        'POST',
        `/organizations/${org.id}/webhooks`,
        { cookie: org.owner.cookie },
        { url: 'https://hooks.example.test/one-more' },
      );
    },
  },
  VALIDATION_FAILED: {
    trpc: () => trpcGet('members.list', { organizationId: 'not-an-id' }, { cookie: owner.cookie }),
    rest: () => restCall('GET', '/organizations/not-an-id/members', { cookie: owner.cookie }),
  },
  BAD_REQUEST: {
    trpc: () =>
      fetch(`${s.base}/trpc/members.leave`, {
        method: 'POST',
        headers: { ...json, cookie: member.cookie },
        body: '{"organizationId":',
      }).then(trpcAnswer),
    rest: () =>
      fetch(`${s.base}/v1/organizations`, {
        method: 'POST',
        headers: { ...json, cookie: member.cookie },
        body: '{"name":',
      }).then(restAnswer),
  },
  PROCEDURE_NOT_FOUND: {
    trpc: () => trpcGet('members.nothing', {}, { cookie: owner.cookie }),
    rest: () => restCall('GET', '/nothing-here', { cookie: owner.cookie }),
  },
  METHOD_NOT_ALLOWED: {
    trpc: () => trpcGet('members.leave', { organizationId }, { cookie: owner.cookie }),
    rest: () => restCall('PUT', `/organizations/${organizationId}`, { cookie: owner.cookie }),
  },
  UNSUPPORTED_MEDIA_TYPE: {
    trpc: () =>
      fetch(`${s.base}/trpc/members.leave`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', cookie: member.cookie },
        body: '<leave/>',
      }).then(trpcAnswer),
    rest: () =>
      fetch(`${s.base}/v1/organizations`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', cookie: member.cookie },
        body: '<organization/>',
      }).then(restAnswer),
  },
  REQUEST_TIMEOUT: {
    unreached:
      'Node answers it when a request stalls past requestTimeout (300 s) or headersTimeout (60 s); waiting for that has no place in a test',
  },
  HEADERS_TOO_LARGE: {
    trpc: () => trpcGet('members.list', { organizationId, padding: 'x'.repeat(20_000) }),
    rest: () => restCall('GET', `/organizations/${organizationId}/members?padding=${'x'.repeat(20_000)}`),
  },
  PAYLOAD_TOO_LARGE: {
    trpc: () =>
      fetch(`${s.base}/trpc/organizations.create`, {
        method: 'POST',
        headers: { ...json, cookie: member.cookie },
        body: JSON.stringify({ name: 'x'.repeat(200_000), slug: 'big' }),
      }).then(trpcAnswer),
    rest: () =>
      fetch(`${s.base}/v1/organizations`, {
        method: 'POST',
        headers: { ...json, cookie: member.cookie },
        body: JSON.stringify({ name: 'x'.repeat(200_000), slug: 'big' }),
      }).then(restAnswer),
  },
  RATE_LIMITED: {
    trpc: () =>
      rateLimited((base, cookie) =>
        fetch(`${base}/trpc/organizations.listMine`, { headers: { cookie } }).then(trpcAnswer),
      ),
    rest: () =>
      rateLimited((base, cookie) =>
        fetch(`${base}/v1/organizations`, { headers: { cookie } }).then(restAnswer),
      ),
  },
  CONCURRENT_CHANGE:
    DB_KIND === 'postgres'
      ? {
          trpc: () =>
            underLock((org) =>
              trpcPost('members.leave', { organizationId: org.id }, { cookie: org.member.cookie }),
            ),
          rest: () =>
            underLock((org) =>
              restCall('DELETE', `/organizations/${org.id}/members/me`, { cookie: org.member.cookie }),
            ),
        }
      : {
          unreached:
            'needs a second connection holding the organization’s lock past lock_timeout: reached on PostgreSQL (DATABASE_URL), not on PGlite',
        },
  INTERNAL: {
    trpc: () =>
      onBrokenDatabase((base) =>
        fetch(`${base}/trpc/auth.me`, { headers: { cookie: 'roster_session=x' } }).then(trpcAnswer),
      ),
    rest: () =>
      onBrokenDatabase((base) =>
        fetch(`${base}/v1/organizations`, { headers: { cookie: 'roster_session=x' } }).then(restAnswer),
      ),
  },
};

/**
 * A server with a limit of 2 calls per window (sign-up and then sign-in take the anonymous IP's two):
 * the third call of a signed-in person is refused.
 */
async function rateLimited(call: (base: string, cookie: string) => Promise<Answer>): Promise<Answer> {
  const limited = await startIdentityServer({ rateLimit: { max: 2, windowMs: 60_000, authMax: 100 } });
  try {
    const { cookie } = await signUp(limited.base, 'hasty');
    await call(limited.base, cookie);
    await call(limited.base, cookie);
    return await call(limited.base, cookie);
  } finally {
    await limited.close();
  }
}

/** A call made while another connection holds the organization's row lock (PostgreSQL: lock_timeout). */
async function underLock(call: (org: Awaited<ReturnType<typeof freshOrganization>>) => Promise<Answer>) {
  const org = await freshOrganization();
  const lock = await holdOrganizationLock(s.t.url!, org.id);
  try {
    return await call(org);
  } finally {
    await lock.release();
  }
}

/** A server whose database is gone: any call that reads it fails unexpectedly. */
async function onBrokenDatabase(call: (base: string) => Promise<Answer>): Promise<Answer> {
  const t = await createTestDatabase();
  const { app, base } = await listenTestServer({ db: t.db, rateLimit: false });
  await t.destroy();
  try {
    return await call(base);
  } finally {
    await app.close();
  }
}

describe(`one status per reason, on /trpc and on REST, as docs/errors.md says (${DB_KIND})`, () => {
  afterAll(() => {
    const unreached = Object.entries(REACH).filter(([, reach]) => 'unreached' in reach);
    console.log(
      `[status table] ${ERROR_REASON_LIST.length - unreached.length} of ${ERROR_REASON_LIST.length} reasons reached over /trpc, ` +
        `${Object.values(REACH).filter((reach) => 'rest' in reach && reach.rest).length} also over REST; not reached: ${unreached.map(([reason]) => reason).join(', ')}`,
    );
  });

  it.each(ERROR_REASON_LIST)('%s', async (reason) => {
    const status = documentedStatus.get(reason);
    expect(status, `docs/errors.md has no status for ${reason}`).toBe(ERROR_REASONS[reason].status);
    const reach = REACH[reason];
    if ('unreached' in reach) {
      expect(reach.unreached.length).toBeGreaterThan(20);
      return;
    }
    const overTrpc = await reach.trpc();
    expect({ reason: overTrpc.reason, status: overTrpc.status }).toEqual({ reason, status });
    if (reach.rest) {
      const overRest = await reach.rest();
      expect({ reason: overRest.reason, status: overRest.status }).toEqual({ reason, status });
      // Before routing (Node's HTTP parser) no door is known; every other refusal under /v1 is a problem.
      if (reason !== 'HEADERS_TOO_LARGE') expect(overRest.contentType).toMatch(/^application\/problem\+json/);
      if (reason === 'RATE_LIMITED' || reason === 'CONCURRENT_CHANGE') {
        expect(overRest.headers.get('retry-after')).toMatch(/^\d+$/);
      }
    }
    if (reason === 'RATE_LIMITED' || reason === 'CONCURRENT_CHANGE') {
      expect(overTrpc.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });
});
