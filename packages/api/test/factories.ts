import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database, Role } from '@roster/db';
import type { Kysely } from 'kysely';
import type { ApiKeyCaller, ApiKeyScope, Caller, UserCaller } from '../src/context';
import { createContextInner } from '../src/context';
import { createCaller } from '../src/router';

/**
 * Test factories: rows written straight to the database (no procedure involved), and callers for
 * `createCaller`. Generic on purpose: the members, identity and reliability suites share them.
 * Every factory makes unique names and emails, so tests isolate themselves by creating fresh rows.
 */

type Db = Kysely<Database>;

export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
}

export async function createUser(
  db: Db,
  overrides: { email?: string; name?: string; passwordHash?: string | null; verified?: boolean } = {},
): Promise<TestUser> {
  const suffix = uniqueSuffix();
  return db
    .insertInto('users')
    .values({
      email: overrides.email ?? `user-${suffix}@example.test`,
      name: overrides.name ?? `User ${suffix}`,
      password_hash: overrides.passwordHash ?? null,
      // Proven addresses by default (as after following the verification link); `verified: false` for not.
      email_verified_at: overrides.verified === false ? null : new Date(),
    })
    .returning(['id', 'email', 'name'])
    .executeTakeFirstOrThrow();
}

export interface TestMember {
  user: TestUser;
  membership: { id: string; role: Role };
}

export interface TestOrganization {
  id: string;
  slug: string;
  name: string;
  owner: TestMember;
}

/** An organization with one owner (a fresh user unless `owner` is given). */
export async function createOrganization(
  db: Db,
  options: { owner?: TestUser; slug?: string; name?: string } = {},
): Promise<TestOrganization> {
  const suffix = uniqueSuffix();
  const organization = await db
    .insertInto('organizations')
    .values({ name: options.name ?? `Org ${suffix}`, slug: options.slug ?? `org-${suffix}` })
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
  const owner = await addMember(db, organization.id, 'owner', options.owner);
  return { ...organization, owner };
}

/** Adds an active membership with `role` (for a fresh user unless `user` is given). */
export async function addMember(
  db: Db,
  organizationId: string,
  role: Role,
  user?: TestUser,
): Promise<TestMember> {
  const member = user ?? (await createUser(db));
  const membership = await db
    .insertInto('memberships')
    .values({ organization_id: organizationId, user_id: member.id, role })
    .returning(['id', 'role'])
    .executeTakeFirstOrThrow();
  return { user: member, membership };
}

export interface TestApiKey {
  id: string;
  organizationId: string;
  createdBy: string;
  scopes: ApiKeyScope[];
  /** A syntactically plausible key; only its hash is stored. */
  secret: string;
}

/** An API key row (not issued through apiKeys.create: the secret format is the identity suite's business). */
export async function createApiKeyRow(
  db: Db,
  options: { organizationId: string; createdBy: string; scopes?: ApiKeyScope[]; name?: string },
): Promise<TestApiKey> {
  const secret = `rst_${randomBytes(24).toString('base64url')}`;
  const scopes = options.scopes ?? ['members:read', 'members:write', 'audit:read'];
  const row = await db
    .insertInto('api_keys')
    .values({
      organization_id: options.organizationId,
      created_by: options.createdBy,
      name: options.name ?? `key-${uniqueSuffix()}`,
      prefix: secret.slice(0, 12),
      secret_hash: createHash('sha256').update(secret).digest('hex'),
      scopes,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, organizationId: options.organizationId, createdBy: options.createdBy, scopes, secret };
}

/** A session row for a user, optionally pointing at an active organization. */
export async function createSessionRow(
  db: Db,
  userId: string,
  options: { activeOrganizationId?: string | null; expiresAt?: Date; token?: string } = {},
): Promise<{ id: string; token: string }> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('sessions')
    .values({
      user_id: userId,
      token_hash: createHash('sha256').update(token).digest('hex'),
      active_organization_id: options.activeOrganizationId ?? null,
      expires_at: options.expiresAt ?? new Date(Date.now() + 24 * 60 * 60 * 1000),
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** A pending invitation row, sent by `invitedBy`. */
export async function createInvitationRow(
  db: Db,
  options: { organizationId: string; invitedBy: string; email?: string; role?: Role; expiresAt?: Date },
): Promise<{ id: string; email: string; role: Role }> {
  return db
    .insertInto('invitations')
    .values({
      organization_id: options.organizationId,
      invited_by: options.invitedBy,
      email: options.email ?? `invitee-${uniqueSuffix()}@example.test`,
      role: options.role ?? 'member',
      expires_at: options.expiresAt ?? new Date(Date.now() + 7 * 24 * 60 * 60 * 1000),
    })
    .returning(['id', 'email', 'role'])
    .executeTakeFirstOrThrow();
}

export function userCaller(user: { id: string }, sessionId: string | null = null): UserCaller {
  return { type: 'user', userId: user.id, sessionId };
}

export function apiKeyCaller(key: TestApiKey): ApiKeyCaller {
  return {
    type: 'apiKey',
    apiKeyId: key.id,
    organizationId: key.organizationId,
    scopes: key.scopes,
    actsForUserId: key.createdBy,
  };
}

/**
 * A server-side caller acting as a user (`{ id }`), an API key (`TestApiKey`), an explicit `Caller`,
 * or nobody (`null`).
 */
export function callerFor(db: Db, who: { id: string } | TestApiKey | Caller | null) {
  let caller: Caller | null;
  if (who === null) caller = null;
  else if ('type' in who) caller = who;
  else if ('secret' in who) caller = apiKeyCaller(who);
  else caller = userCaller(who);
  return createCaller(createContextInner({ db, caller }));
}
