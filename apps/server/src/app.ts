import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { appRouter, reasonOf } from '@roster/api';
import type { Database } from '@roster/db';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { registerApiDocs } from './api-docs';
import { registerAuditLogExport } from './audit-export';
import { type Authenticate, defaultAuthenticate } from './authenticate';
import type { TrustProxy } from './config';
import { type HostCheck, registerHostCheck } from './host';
import type { DevMailbox } from './mailer';
import { normalizeOrigins } from './origin';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings, registerRateLimits } from './rate-limit';
import { createRequestContext } from './request-context';
import { registerRestRoutes } from './rest';
import { registerSecurityHeaders } from './security-headers';
import {
  CONCURRENT_CHANGE_RETRY_AFTER_SECONDS,
  clientErrorHandler,
  frameworkErrors,
  registerApiNotFound,
  registerTransportErrors,
} from './transport-errors';
import { registerTrpc, type TrpcOptions } from './trpc-adapter';
import { registerWebApp } from './web';

export type { Authenticate };

export interface BuildServerOptions {
  db: Kysely<Database>;
  /** Pino log level; `silent` in tests. */
  logLevel?: string;
  /** Where log lines go (default: stdout). */
  logStream?: NodeJS.WritableStream;
  /** Who is calling; default: Roster's API keys and session cookies (`defaultAuthenticate`). */
  authenticate?: Authenticate;
  /**
   * Origins besides the server's own host allowed to send cookie-authenticated mutations
   * (e.g. `http://localhost:5173` for a dev server on another port).
   */
  allowedOrigins?: readonly string[];
  /** Mark session cookies `Secure` (on in production). */
  secureCookies?: boolean;
  /** Days between `organizations.scheduleDeletion` and the purge (`ORG_DELETION_GRACE_DAYS`); default 30. */
  deletionGraceDays?: number;
  /** Per-caller and sign-in limits (defaults: `DEFAULT_RATE_LIMITS`); `false` turns them off. */
  rateLimit?: Partial<RateLimitSettings> | false;
  /**
   * Behind proxies: their addresses/CIDRs (Fastify's `trustProxy`); the client IP and host then come
   * from the `X-Forwarded-*` entries they added. Never `true`: trusting every hop lets a client choose
   * its own IP address with a header (see `TRUST_PROXY`).
   */
  trustProxy?: TrustProxy;
  /** Largest accepted request body, in bytes. Default 100 KiB: far above any Roster input, even batched. */
  bodyLimit?: number;
  /**
   * Which `Host` names to answer (DNS rebinding protection; see `hostCheckFor`). Default `false`:
   * any, for servers built in tests and by products behind their own checks; `startServer` passes the
   * configured public origins.
   */
  hostCheck?: HostCheck;
  /** The built web app (apps/web/dist) to serve at `/`; not served when unset. */
  webDist?: string;
  /**
   * The development mailbox (no SMTP_URL): its mails are listed at `GET /dev/mailbox.json` for the web
   * app's /dev/mail screen. Never set in production (the configuration refuses to start without SMTP).
   */
  devMailbox?: DevMailbox | undefined;
}

/**
 * Paths of mailed links carry a single-use token (`/invite/<token>`, ...), and tRPC queries carry their
 * input in the query string: request logs show neither.
 */
export function redactUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const redacted = path.replace(/^\/(invite|verify-email|reset-password)\/[^/]+/, '/$1/[token]');
  return query === undefined ? redacted : `${redacted}?[redacted]`;
}

/**
 * A request id a client (or a proxy in front) sent, when it is safe to log and echo: 1 to 128 characters
 * of letters, digits and `._:-` (a UUID, a trace id). Anything else (longer, spaces, control characters,
 * a newline that would forge a log line, markup) is replaced by an id of our own.
 */
export function clientRequestId(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : null;
}

/** 100 KiB. */
export const DEFAULT_BODY_LIMIT = 100 * 1024;

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { db } = options;
  const authenticate = options.authenticate ?? defaultAuthenticate;
  if (
    options.trustProxy !== undefined &&
    options.trustProxy !== false &&
    !Array.isArray(options.trustProxy)
  ) {
    throw new Error(
      'trustProxy: pass the proxies’ addresses or CIDRs (true would let any client choose its IP)',
    );
  }
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      ...(options.logStream ? { stream: options.logStream } : {}),
      serializers: {
        req: (request) => ({
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
      },
    },
    trustProxy: options.trustProxy ? [...options.trustProxy] : false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    clientErrorHandler,
    frameworkErrors,
    // Honour a request id set by a proxy in front (if it is a plausible id); otherwise make one. It is
    // logged with every line and echoed in `x-request-id`, so a client's value is capped first.
    requestIdHeader: false,
    genReqId: (request) => clientRequestId(request.headers['x-request-id']) ?? randomUUID(),
    routerOptions: { maxParamLength: 5000 },
  });

  // Graceful shutdown: closing the server drops idle keep-alive connections at once, but a connection
  // busy with a request when the shutdown began would otherwise stay open after its response until the
  // client's keep-alive ran out (72 s), holding `close()` up. Such responses say `Connection: close`,
  // and any connection that has just gone idle is closed.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async () => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });

  registerTransportErrors(app);
  registerSecurityHeaders(app);
  registerHostCheck(app, options.hostCheck ?? false);
  await app.register(fastifyCookie);
  const contextOptions = {
    db,
    authenticate,
    checkRateLimit:
      options.rateLimit === false
        ? null
        : await registerRateLimits(app, { ...DEFAULT_RATE_LIMITS, ...options.rateLimit }),
    allowedOrigins: normalizeOrigins(options.allowedOrigins),
    secureCookies: options.secureCookies ?? false,
    deletionGraceDays: options.deletionGraceDays,
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(db);
      return { status: 'ready' };
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check failed: database unreachable');
      return reply.code(503).send({ status: 'unavailable', reason: 'DATABASE_UNREACHABLE' });
    }
  });

  if (options.devMailbox) {
    const mailbox = options.devMailbox;
    mailbox.attachLogger(app.log);
    app.get('/dev/mailbox.json', async () => ({ mails: mailbox.list() }));
  }

  registerAuditLogExport(app, contextOptions);
  await registerApiNotFound(app);
  await registerTrpc(app, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      // Each procedure of a batch counts as one call against the rate limit; 50 bounds a batch's cost.
      maxBatchSize: 50,
      createContext: ({ req, res, info }) =>
        createRequestContext(
          contextOptions,
          req,
          res,
          info.calls.map((call) => call.path),
        ),
      // The status comes from each error's `data.httpStatus` (the reason's); a retryable conflict also
      // says when to retry.
      responseMeta({ errors }) {
        return errors.some((error) => reasonOf(error) === 'CONCURRENT_CHANGE')
          ? { headers: { 'retry-after': CONCURRENT_CHANGE_RETRY_AFTER_SECONDS } }
          : {};
      },
      onError({ error, path, ctx, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          req.log.error(
            { err: error.cause ?? error, path, requestId: ctx?.requestId ?? req.id },
            'unexpected error',
          );
        }
      },
    } satisfies TrpcOptions<typeof appRouter>,
  });

  // The REST surface: the same procedures through `createRequestContext` (credentials, rate limits,
  // the Origin check) and `createCaller`, answering RFC 9457 problems; its OpenAPI document and reference.
  await registerRestRoutes(app, contextOptions);
  await registerApiDocs(app);

  if (options.webDist) await registerWebApp(app, options.webDist);

  return app;
}
