import { type Caller, type Context, type HttpContext, RosterError, withRequestId } from '@roster/api';
import type { Database } from '@roster/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Authenticate } from './authenticate';
import { isOriginAllowed } from './origin';
import type { RateLimitCheck } from './rate-limit';

export interface RequestContextOptions {
  db: Kysely<Database>;
  authenticate: Authenticate;
  /** Null: no rate limits. */
  checkRateLimit: RateLimitCheck | null;
  allowedOrigins: ReadonlySet<string>;
  /** Mark cookies `Secure` (production). */
  secureCookies: boolean;
  /** `ORG_DELETION_GRACE_DAYS`; undefined: the default (30). */
  deletionGraceDays?: number | undefined;
}

/**
 * The tRPC context of one HTTP request. What it refuses (a bad API key, too many calls, a foreign
 * Origin) it throws here, so tRPC answers every call of the request, batched or not, with the usual
 * error shape — and, through `withRequestId`, with the request id in `error.data.requestId` although
 * no context exists yet. Order: identify the caller, count the call against the caller's limit (an
 * unidentified caller counts against its IP), then refuse bad credentials, then cross-site mutations.
 */
export async function createRequestContext(
  options: RequestContextOptions,
  req: FastifyRequest,
  res: FastifyReply,
  paths: readonly string[],
): Promise<Context> {
  try {
    return await resolveRequestContext(options, req, res, paths);
  } catch (error) {
    throw withRequestId(error, req.id);
  }
}

async function resolveRequestContext(
  options: RequestContextOptions,
  req: FastifyRequest,
  res: FastifyReply,
  paths: readonly string[],
): Promise<Context> {
  let caller: Caller | null = null;
  let authenticationError: unknown;
  try {
    caller = await options.authenticate(req, options.db);
  } catch (error) {
    authenticationError = error;
  }
  await options.checkRateLimit?.(req, res, caller, paths);
  if (authenticationError !== undefined) throw authenticationError;
  if (!isOriginAllowed(req, options.allowedOrigins)) throw new RosterError('FORBIDDEN_ORIGIN');
  return {
    db: options.db,
    caller,
    requestId: req.id,
    http: httpContext(req, res, options.secureCookies),
    ...(options.deletionGraceDays === undefined ? {} : { deletionGraceDays: options.deletionGraceDays }),
  };
}

function httpContext(req: FastifyRequest, res: FastifyReply, secureCookies: boolean): HttpContext {
  const origin = req.headers.origin;
  return {
    ip: req.ip,
    origin: typeof origin === 'string' ? origin : undefined,
    headers: req.headers,
    // tRPC's JSON parser hands the body over as a string: empty when the POST had none.
    // Only tRPC reads its input from the body; the REST door (/v1) takes it from the path and query too.
    bodyless:
      req.url.startsWith('/trpc/') &&
      req.method === 'POST' &&
      (req.body === undefined || req.body === null || req.body === ''),
    setCookie: (name, value, options) => {
      res.setCookie(name, value, { ...options, secure: secureCookies || options?.secure });
    },
    clearCookie: (name, options) => {
      res.clearCookie(name, { ...options, secure: secureCookies || options?.secure });
    },
    setHeader: (name, value) => {
      res.header(name, value);
    },
  };
}
