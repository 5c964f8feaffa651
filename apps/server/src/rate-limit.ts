import fastifyRateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { type Caller, RosterError } from '@roster/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface RateLimitSettings {
  /** Calls per window per caller: a signed-in user, an API key, or (anonymous) an IP address. */
  max: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /** Calls to `auth.signIn` / `auth.signUp` per window per IP address (on top of `max`). */
  authMax: number;
  authWindowMs: number;
  /**
   * A shared store, for several replicas: an `ioredis` client (`new Redis(url)`), handed to
   * @fastify/rate-limit's Redis store. Without it each process counts on its own (an in-memory LRU).
   */
  redis?: unknown;
  /** Or any @fastify/rate-limit store class. */
  store?: FastifyRateLimitStoreCtor;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  max: 600,
  windowMs: 60_000,
  authMax: 10,
  authWindowMs: 60_000,
};

/** The procedures guarded by the stricter per-IP limit: password guessing and account spam. */
export const AUTH_PROCEDURES: ReadonlySet<string> = new Set(['auth.signIn', 'auth.signUp']);

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type LimitResult = Extract<Awaited<ReturnType<Limiter>>, { isAllowed: false }>;

interface Policy {
  limiter: Limiter;
  max: number;
  windowMs: number;
}

/** Checks one request against the limits; throws RATE_LIMITED (429) when one is exceeded. */
export type RateLimitCheck = (
  request: FastifyRequest,
  reply: FastifyReply,
  caller: Caller | null,
  paths: readonly string[],
) => Promise<void>;

/** Whom a call counts against. */
export function rateLimitKey(request: FastifyRequest, caller: Caller | null): string {
  if (caller?.type === 'user') return `user:${caller.userId}`;
  if (caller?.type === 'apiKey') return `key:${caller.apiKeyId}`;
  return `ip:${request.ip}`;
}

/**
 * Registers @fastify/rate-limit (its stores and counting) without its global hook: Roster counts tRPC
 * calls itself, once the caller is known, so the limit follows the caller rather than the connection.
 * Every procedure in a batch (`/trpc/a,b?batch=1`) counts as one call, and sign-in/sign-up calls
 * anywhere in a batch also count against the stricter per-IP limit.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  settings: RateLimitSettings,
): Promise<RateLimitCheck> {
  await app.register(fastifyRateLimit, {
    global: false,
    ...(settings.redis ? { redis: settings.redis, nameSpace: 'roster-rate-limit:' } : {}),
    ...(settings.store ? { store: settings.store } : {}),
    // A shared store that is down must not take the API down with it: count nothing, serve the call.
    skipOnError: true,
  });
  const keys = new WeakMap<FastifyRequest, string>();
  const general: Policy = {
    max: settings.max,
    windowMs: settings.windowMs,
    limiter: app.createRateLimit({
      max: settings.max,
      timeWindow: settings.windowMs,
      keyGenerator: (request) => `api:${keys.get(request) ?? `ip:${request.ip}`}`,
    }),
  };
  const auth: Policy = {
    max: settings.authMax,
    windowMs: settings.authWindowMs,
    limiter: app.createRateLimit({
      max: settings.authMax,
      timeWindow: settings.authWindowMs,
      keyGenerator: (request) => `auth:ip:${request.ip}`,
    }),
  };

  async function count(policy: Policy, request: FastifyRequest, times: number) {
    let result: LimitResult | undefined;
    for (let i = 0; i < times; i++) {
      const r = await policy.limiter(request);
      if (r.isAllowed) return undefined;
      result = r;
      if (r.isExceeded) break;
    }
    return result ? { policy, result } : undefined;
  }

  return async (request, reply, caller, paths) => {
    keys.set(request, rateLimitKey(request, caller));
    const authCalls = paths.filter((path) => AUTH_PROCEDURES.has(path)).length;
    const outcomes = [
      await count(general, request, Math.max(1, paths.length)),
      authCalls > 0 ? await count(auth, request, authCalls) : undefined,
    ].filter((outcome) => outcome !== undefined);
    if (outcomes.length === 0) return;
    // Report the limit closest to refusing (an exceeded one first).
    const { policy, result } = outcomes.reduce((a, b) =>
      Number(b.result.isExceeded) > Number(a.result.isExceeded) ||
      (b.result.isExceeded === a.result.isExceeded && b.result.remaining < a.result.remaining)
        ? b
        : a,
    );
    const windowSeconds = Math.ceil(policy.windowMs / 1000);
    reply.header('RateLimit-Policy', `${policy.max};w=${windowSeconds}`);
    reply.header('RateLimit-Limit', String(policy.max));
    reply.header('RateLimit-Remaining', String(result.isExceeded ? 0 : result.remaining));
    reply.header('RateLimit-Reset', String(result.ttlInSeconds));
    if (result.isExceeded) {
      reply.header('Retry-After', String(result.ttlInSeconds));
      throw new RosterError('RATE_LIMITED', `Too many requests; retry in ${result.ttlInSeconds} s`, {
        details: { retryAfterSeconds: result.ttlInSeconds, limit: policy.max, windowSeconds },
      });
    }
  };
}
