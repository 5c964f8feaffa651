import { randomUUID } from 'node:crypto';
import type { ApiKeyScope } from '@roster/api';
import type { Database, Role } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import type { Kysely, LogEvent } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { type BuildServerOptions, buildServer } from '../../src/app';

export const DB_KIND = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/** Limits high enough never to answer 429, for suites not about rate limits. */
export const HIGH_LIMITS = { max: 100_000, authMax: 100_000 };

/** A quiet server on `options.db`, listening on a free port of 127.0.0.1; `base` is its URL. */
export async function listenTestServer(
  options: BuildServerOptions,
): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildServer({ logLevel: 'silent', ...options });
  return { app, base: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

export interface IdentityTestServer {
  t: TestDatabase;
  db: Kysely<Database>;
  app: FastifyInstance;
  base: string;
  /** Statements the server's database has run; reset it to count the ones a request makes. */
  queries: string[];
  close(): Promise<void>;
}

/** A test database of its own (counting its statements) and a server on it, listening on a free port. */
export async function startIdentityServer(
  options: Omit<BuildServerOptions, 'db'> = {},
): Promise<IdentityTestServer> {
  const queries: string[] = [];
  const t = await createTestDatabase({
    log: (event: LogEvent) => {
      if (event.level === 'query') queries.push(event.query.sql);
    },
  });
  const { app, base } = await listenTestServer({ db: t.db, rateLimit: HIGH_LIMITS, ...options });
  return {
    t,
    db: t.db,
    app,
    base,
    queries,
    close: async () => {
      await app.close();
      await t.destroy();
    },
  };
}

/** `startIdentityServer` before the file's tests (filled in then), closed after them. */
export function useIdentityServer(options: Omit<BuildServerOptions, 'db'> = {}): IdentityTestServer {
  const server = {} as IdentityTestServer;
  beforeAll(async () => {
    Object.assign(server, await startIdentityServer(options));
  });
  afterAll(async () => {
    await server.close?.();
  });
  return server;
}

export interface CallOptions {
  /** A `roster_session=...` cookie header. */
  cookie?: string | undefined;
  origin?: string;
  apiKey?: string;
  authorization?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T = unknown> {
  status: number;
  headers: Headers;
  body: { result?: { data: T }; error?: { message: string; code: number; data: Record<string, unknown> } };
  data: T;
  reason: string | undefined;
  /** The session cookie set by the answer, as a `name=value` pair for the next request. */
  sessionCookie: string | undefined;
  setCookie: string[];
}

async function send<T>(url: string, init: RequestInit): Promise<CallResult<T>> {
  const res = await fetch(url, init);
  const body = (await res.json()) as CallResult<T>['body'];
  const setCookie = res.headers.getSetCookie();
  const session = setCookie.find((c) => c.startsWith('roster_session='));
  return {
    status: res.status,
    headers: res.headers,
    body,
    data: body.result?.data as T,
    reason: body.error?.data.reason as string | undefined,
    sessionCookie: session?.split(';')[0],
    setCookie,
  };
}

function headersOf(options: CallOptions): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (options.authorization) headers.authorization = options.authorization;
  return headers;
}

/** A query over HTTP (GET). */
export function query<T = unknown>(base: string, path: string, input?: unknown, options: CallOptions = {}) {
  const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return send<T>(`${base}/trpc/${path}${qs}`, { headers: headersOf(options) });
}

/** A mutation over HTTP (POST with JSON). */
export function mutate<T = unknown>(base: string, path: string, input?: unknown, options: CallOptions = {}) {
  return send<T>(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headersOf(options) },
    body: JSON.stringify(input ?? null),
  });
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

export const PASSWORD = 'correct horse battery staple';

export interface SignedUp {
  user: { id: string; email: string; name: string };
  cookie: string;
}

/**
 * Signs a new person up over HTTP, then in (sign-up itself never signs in: it answers the same for a
 * taken address); returns the user and their session cookie. The address is not verified.
 */
export async function signUp(base: string, label = 'user'): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const res = await mutate(base, 'auth.signUp', { email, password: PASSWORD, name: label });
  if (res.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(res.body)}`);
  const signedIn = await mutate<{ user: SignedUp['user'] }>(base, 'auth.signIn', {
    email,
    password: PASSWORD,
  });
  if (signedIn.status !== 200 || !signedIn.sessionCookie)
    throw new Error(`sign-in after sign-up failed: ${JSON.stringify(signedIn.body)}`);
  return { user: signedIn.data.user, cookie: signedIn.sessionCookie };
}

/** An organization with the given users as active members, straight into the database. */
export async function seedOrganization(db: Kysely<Database>, members: Array<{ userId: string; role: Role }>) {
  const tag = randomUUID().slice(0, 8);
  const organization = await db
    .insertInto('organizations')
    .values({ name: `Org ${tag}`, slug: `org-${tag}` })
    .returning(['id', 'slug'])
    .executeTakeFirstOrThrow();
  const memberships: Record<string, string> = {};
  for (const member of members) {
    const row = await db
      .insertInto('memberships')
      .values({ organization_id: organization.id, user_id: member.userId, role: member.role })
      .returning('id')
      .executeTakeFirstOrThrow();
    memberships[member.userId] = row.id;
  }
  return { ...organization, memberships };
}

/** An API key's row. */
export function apiKeyRow(db: Kysely<Database>, id: string) {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A membership's status (`active` or `removed`). */
export async function membershipStatus(db: Kysely<Database>, id: string) {
  const row = await db
    .selectFrom('memberships')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.status;
}

/** Creates an API key over HTTP as `cookie`'s user (an owner or admin of the organization). */
export async function createKey(
  base: string,
  cookie: string,
  organizationId: string,
  scopes: ApiKeyScope[],
  name = 'test key',
) {
  const res = await mutate<{ id: string; key: string; prefix: string; scopes: string[] }>(
    base,
    'apiKeys.create',
    { organizationId, name, scopes },
    { cookie },
  );
  if (res.status !== 200) throw new Error(`apiKeys.create failed: ${JSON.stringify(res.body)}`);
  return res.data;
}
