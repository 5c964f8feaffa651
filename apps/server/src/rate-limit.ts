import { createRequire } from 'node:module';
import fastifyRateLimit, {
  type FastifyRateLimitStore,
  type FastifyRateLimitStoreCtor,
} from '@fastify/rate-limit';
import { type Caller, RosterError } from '@roster/api';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';

// The plugin's own stores (its Lua script for Redis, its LRU in memory), which it does not re-export
// and ships without declarations.
type StoreClass = new (
  continueExceeding: boolean | undefined,
  exponentialBackoff: boolean | undefined,
  ...rest: unknown[]
) => FastifyRateLimitStore;
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreClass;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreClass;

export interface RateLimitSettings {
  /** Calls per window per caller: a signed-in user, an API key, or (anonymous) an IP address. */
  max: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /** Calls to `auth.signIn` / `auth.signUp` (and the password-reset and verification calls) per window per IP address (on top of `max`). */
  authMax: number;
  authWindowMs: number;
  /**
   * A shared store, for several replicas: an `ioredis` client (`createRateLimitRedis(url)`, or
   * `REDIS_URL` with `startServer`). Without it each process counts on its own (an in-memory LRU).
   * While Redis cannot answer, each process counts in its own memory again (see `sharedStoreWithFallback`).
   */
  redis?: Redis;
  /** Prefix of the Redis keys (default `roster:`), so deployments or tests can share one Redis. */
  redisKeyPrefix?: string;
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
export const AUTH_PROCEDURES: ReadonlySet<string> = new Set([
  'auth.signIn',
  'auth.signUp',
  // Each may send a mail or tries a mailed token: counted like sign-ins, per IP address.
  'auth.requestPasswordReset',
  'auth.resetPassword',
  'auth.verifyEmail',
]);

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
  const store =
    settings.store ??
    (settings.redis
      ? sharedStoreWithFallback(settings.redis, `${settings.redisKeyPrefix ?? 'roster:'}rate-limit:`, app.log)
      : undefined);
  await app.register(fastifyRateLimit, {
    global: false,
    ...(store ? { store } : {}),
    // A custom store that fails must not take the API down with it: count nothing, serve the call.
    // (The Redis store does not fail: it falls back to counting in memory.)
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

/**
 * An ioredis client suited to rate limiting: a command fails at once while Redis is unreachable (no
 * offline queue, one try, `commandTimeoutMs` for a Redis that stops answering) so a request never waits
 * on it, and it keeps reconnecting in the background.
 */
export function createRateLimitRedis(url: string, options: { commandTimeoutMs?: number } = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 5000,
    // Keep trying, at most every 2 s, for as long as the process runs.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Outages are logged by the store that uses the client (`sharedStoreWithFallback`).
  redis.on('error', () => {});
  return redis;
}

/** What the plugin hands a store's constructor and `child` (its merged limiter settings). */
interface StoreOptions {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

/**
 * @fastify/rate-limit's Redis store, falling back to its in-memory store for any call Redis cannot
 * answer. Neither fail-closed (Redis down would refuse every call: an outage of the whole API) nor
 * fail-open (no limit at all, sign-in guessing included): while Redis is away each process enforces the
 * limits on its own, so N replicas allow at most N times a limit, and shared counting resumes as soon as
 * Redis answers again.
 */
export function sharedStoreWithFallback(
  redis: Redis,
  keyPrefix: string,
  log?: FastifyBaseLogger,
): FastifyRateLimitStoreCtor {
  // One line when Redis goes away and one when it is back, not one per request.
  let down = false;
  const wentDown = (error: Error) => {
    if (down) return;
    down = true;
    log?.warn(
      { err: error },
      'rate-limit store (Redis) unreachable: this process counts in memory until it is back',
    );
  };
  redis.on('error', wentDown);
  redis.on('ready', () => {
    if (down) log?.info('rate-limit store (Redis) reachable again: limits are shared');
    down = false;
  });
  return class FallbackStore implements FastifyRateLimitStore {
    private readonly shared: FastifyRateLimitStore;
    private readonly local: FastifyRateLimitStore;
    constructor(options: object) {
      const { continueExceeding, exponentialBackoff, cache } = options as StoreOptions;
      this.shared = new RedisStore(continueExceeding, exponentialBackoff, redis, keyPrefix);
      this.local = new LocalStore(continueExceeding, exponentialBackoff, cache);
    }
    incr(...[key, callback, timeWindow, max]: Parameters<FastifyRateLimitStore['incr']>): void {
      this.shared.incr(
        key,
        (error, result) => {
          if (!error) return callback(null, result);
          wentDown(error);
          this.local.incr(key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // One key space for every limiter (their keys say which limit they count: `api:...`, `auth:...`).
      return new FallbackStore(routeOptions);
    }
  };
}
