import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import type { Caller } from '../context';
import { RosterError } from '../errors';
import { isWellFormedApiKey } from './api-key-format';
import { findLiveApiKey, knownScopes, touchApiKeyLastUsed } from './api-keys';
import { findLiveSessionByToken, SESSION_COOKIE } from './sessions';

/** What authentication reads from a request; a Fastify request (with @fastify/cookie) fits as is. */
export interface AuthenticationRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed cookies, when a cookie plugin has parsed them; otherwise the `cookie` header is read. */
  cookies?: Readonly<Record<string, string | undefined>>;
}

export interface AuthenticateOptions {
  /** Called when recording a key's last use fails (it never fails the request). */
  onBackgroundError?: (error: unknown) => void;
}

/** The bearer token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(request: AuthenticationRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** The API key a request presents: `Authorization: Bearer <key>` first, else `X-API-Key: <key>`. */
function presentedApiKey(request: AuthenticationRequest): { presented: boolean; key: string | null } {
  if (request.headers.authorization !== undefined) return { presented: true, key: bearerToken(request) };
  const header = request.headers['x-api-key'];
  if (header === undefined) return { presented: false, key: null };
  return { presented: true, key: typeof header === 'string' ? header.trim() || null : null };
}

/** The session token from the cookie, or null. */
export function sessionToken(request: AuthenticationRequest): string | null {
  const parsed = request.cookies?.[SESSION_COOKIE];
  if (parsed !== undefined) return parsed || null;
  const header = request.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === SESSION_COOKIE) {
      return decodeURIComponent(part.slice(index + 1).trim()) || null;
    }
  }
  return null;
}

/**
 * Roster's own identity: who is calling, from the request.
 *
 * - `Authorization: Bearer rst_...` (or `X-API-Key: rst_...`): an API key. A malformed key, or one whose checksum fails, is
 *   refused with INVALID_API_KEY before any database lookup; an unknown or revoked key likewise; a key
 *   past its `expires_at`, API_KEY_EXPIRED.
 *   Any other bearer token is INVALID_API_KEY too (a product with its own tokens swaps this function).
 * - Otherwise the session cookie: a live session is a user caller. An unknown, expired or revoked
 *   session is treated as no session at all (anonymous), so signing in again just works and
 *   protected procedures answer UNAUTHENTICATED.
 * - Neither: null (anonymous).
 */
export async function authenticateRequest(
  request: AuthenticationRequest,
  db: Kysely<Database>,
  options: AuthenticateOptions = {},
): Promise<Caller | null> {
  const { presented, key: bearer } = presentedApiKey(request);
  if (presented) {
    if (!bearer || !isWellFormedApiKey(bearer)) throw new RosterError('INVALID_API_KEY');
    const key = await findLiveApiKey(db, bearer);
    if (!key) throw new RosterError('INVALID_API_KEY');
    if (key.expired) throw new RosterError('API_KEY_EXPIRED');
    touchApiKeyLastUsed(db, key.id, key.last_used_at, options.onBackgroundError);
    return {
      type: 'apiKey',
      apiKeyId: key.id,
      organizationId: key.organization_id,
      scopes: knownScopes(key.scopes),
      actsForUserId: key.organization_owned_at ? null : key.created_by,
    };
  }
  const token = sessionToken(request);
  if (!token) return null;
  const session = await findLiveSessionByToken(db, token);
  if (!session) return null;
  return { type: 'user', userId: session.user_id, sessionId: session.id };
}
