import type { Database, Role } from '@roster/db';
import type { Kysely } from 'kysely';

/** What an API key may be allowed to do. Each procedure open to keys names the one scope it needs. */
export const API_KEY_SCOPES = ['members:read', 'members:write', 'audit:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A person, authenticated by a session (or by a product's own identity provider). */
export interface UserCaller {
  type: 'user';
  userId: string;
  /** The session the call came with; null when a product's own `authenticate` has no sessions. */
  sessionId: string | null;
}

/** A server, authenticated by an organization-scoped API key. */
export interface ApiKeyCaller {
  type: 'apiKey';
  apiKeyId: string;
  organizationId: string;
  scopes: readonly ApiKeyScope[];
  /**
   * The person the key acts for (its creator): it never does more than they may do now, and it is
   * revoked when they leave or are removed. Null for an organization's own key (one kept through its
   * creator's removal), which acts with an admin's reach.
   */
  actsForUserId: string | null;
}

export type Caller = UserCaller | ApiKeyCaller;

export interface CookieOptions {
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  path?: string;
  expires?: Date;
  maxAge?: number;
}

/** The HTTP request behind a call; null when a procedure is called directly (createCaller). */
export interface HttpContext {
  ip: string;
  /** The request's `Origin` header, if any. */
  origin: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The request is a POST that carried no body at all: a call without input, as tRPC's plain
   * `httpLink` sends a mutation whose input is undefined. Its input is then undefined.
   */
  bodyless?: boolean;
  setCookie(name: string, value: string, options?: CookieOptions): void;
  clearCookie(name: string, options?: CookieOptions): void;
  setHeader(name: string, value: string): void;
}

export interface Context {
  db: Kysely<Database>;
  caller: Caller | null;
  requestId: string;
  http: HttpContext | null;
  /** Days between `organizations.scheduleDeletion` and the purge (`ORG_DELETION_GRACE_DAYS`); default 30. */
  deletionGraceDays?: number;
}

export interface CreateContextInnerOptions {
  db: Kysely<Database>;
  caller?: Caller | null;
  requestId?: string;
  http?: HttpContext | null;
  deletionGraceDays?: number;
}

/**
 * The context without HTTP: what tests and in-process callers use with `createCaller`.
 * The HTTP server builds the same context from the request (see `@roster/server`).
 */
export function createContextInner(options: CreateContextInnerOptions): Context {
  return {
    db: options.db,
    caller: options.caller ?? null,
    requestId: options.requestId ?? crypto.randomUUID(),
    http: options.http ?? null,
    ...(options.deletionGraceDays === undefined ? {} : { deletionGraceDays: options.deletionGraceDays }),
  };
}

/** Who did something, for the audit log. */
export interface Actor {
  userId: string | null;
  apiKeyId: string | null;
  /** The actor's role in the organization; null for API keys. */
  role: Role | null;
}
