import {
  type AppRouter,
  appRouter,
  createCaller,
  type ErrorReason,
  formatRosterError,
  PROBLEM_CONTENT_TYPE,
  type RestMethod,
  RosterError,
  type RosterMeta,
  reasonOf,
  toProblem,
} from '@roster/api';
import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRequestContext, type RequestContextOptions } from './request-context';
import { CONCURRENT_CHANGE_RETRY_AFTER_SECONDS, REST_PREFIX } from './transport-errors';

/**
 * One REST route: a procedure of the router with `meta.openapi`, at `REST_PREFIX + path`. The route calls
 * the procedure itself (through `createCaller`, with the context every door builds), so its input schema,
 * its guards and its transaction are the same as on `/trpc`: no rule is written twice.
 */
export interface RestRoute {
  method: RestMethod;
  /** The OpenAPI path template, e.g. `/organizations/{organizationId}/members/{memberId}`. */
  path: `/${string}`;
  /** The procedure it calls, e.g. `members.remove`. */
  procedure: string;
  type: 'query' | 'mutation';
  meta: RosterMeta;
  /** Names of the input's number and boolean fields: query strings are turned into those types. */
  numberFields: ReadonlySet<string>;
  booleanFields: ReadonlySet<string>;
}

interface ProcedureLike {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: RosterMeta; inputs: unknown[] };
}

/** The routes the router declares, in the router's order (so `members/me` comes before `members/{memberId}`). */
export function restRoutes(router: AppRouter = appRouter): RestRoute[] {
  const procedures = router._def.procedures as unknown as Record<string, ProcedureLike>;
  const routes: RestRoute[] = [];
  for (const [procedure, { _def }] of Object.entries(procedures)) {
    const openapi = _def.meta?.openapi;
    if (!openapi || _def.type === 'subscription') continue;
    const { numberFields, booleanFields } = scalarFields(_def.inputs);
    routes.push({
      method: openapi.method,
      path: openapi.path,
      procedure,
      type: _def.type,
      meta: _def.meta!,
      numberFields,
      booleanFields,
    });
  }
  return routes;
}

type ZodLike = { _zod?: { def?: { type?: string; innerType?: ZodLike; shape?: Record<string, ZodLike> } } };

function unwrap(schema: ZodLike | undefined): ZodLike | undefined {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = current?._zod?.def;
    if (!def?.innerType || !['optional', 'nullable', 'default', 'prefault'].includes(def.type ?? '')) break;
    current = def.innerType;
  }
  return current;
}

/** Which fields of a procedure's (object) inputs are numbers or booleans: they arrive as strings in a URL. */
function scalarFields(inputs: unknown[]) {
  const numberFields = new Set<string>();
  const booleanFields = new Set<string>();
  for (const input of inputs) {
    const shape = unwrap(input as ZodLike)?._zod?.def?.shape;
    for (const [field, schema] of Object.entries(shape ?? {})) {
      const type = unwrap(schema)?._zod?.def?.type;
      if (type === 'number') numberFields.add(field);
      if (type === 'boolean') booleanFields.add(field);
    }
  }
  return { numberFields, booleanFields };
}

/**
 * A query string's values as the input expects them: `limit=25` a number, `keepApiKeys=true` a boolean.
 * Only exact spellings convert (`true`/`false`, decimal integers); anything else stays a string and the
 * input schema refuses it with VALIDATION_FAILED, naming the field. The schemas themselves are never
 * loosened, so `/trpc` keeps refusing a string where a number belongs.
 */
export function queryInput(route: RestRoute, query: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(query)) {
    if (typeof value === 'string' && route.numberFields.has(field) && /^-?\d{1,15}$/.test(value)) {
      input[field] = Number(value);
    } else if (typeof value === 'string' && route.booleanFields.has(field) && /^(true|false)$/.test(value)) {
      input[field] = value === 'true';
    } else {
      input[field] = value;
    }
  }
  return input;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{organizationId}` -> `:organizationId` (Fastify's syntax). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** Sends a refusal as an RFC 9457 problem with the reason's status (and `Retry-After` where it applies). */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: TRPCError,
  requestId: string,
) {
  const shape = formatRosterError(error, { requestId });
  if (shape.data.reason === 'CONCURRENT_CHANGE')
    reply.header('retry-after', CONCURRENT_CHANGE_RETRY_AFTER_SECONDS);
  const instance = request.url.split('?')[0] ?? request.url;
  return reply
    .code(shape.data.httpStatus)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblem(shape.data, shape.message, instance)));
}

/**
 * Mounts the REST surface: one Fastify route per procedure with `meta.openapi`, under `/v1`. Explicit
 * routes (no catch-all), so other Fastify routes under `/v1` — say a streamed export — sit beside them,
 * and a path that exists with another method answers 405 with `Allow`.
 */
export async function registerRestRoutes(
  app: FastifyInstance,
  contextOptions: RequestContextOptions,
  routes: readonly RestRoute[] = restRoutes(),
): Promise<void> {
  await app.register(
    async (scope) => {
      for (const route of routes) {
        scope.route({
          method: route.method,
          url: fastifyPath(route.path),
          handler: (request, reply) => handleRestCall(route, contextOptions, request, reply),
        });
      }
      scope.setNotFoundHandler((request, reply) => {
        const path = (request.url.split('?')[0] ?? '').slice(REST_PREFIX.length) || '/';
        const allowed = routes.filter((route) => pathPattern(route.path).test(path)).map((r) => r.method);
        const reason: ErrorReason = allowed.length > 0 ? 'METHOD_NOT_ALLOWED' : 'PROCEDURE_NOT_FOUND';
        if (allowed.length > 0) reply.header('allow', [...new Set(allowed)].join(', '));
        const message =
          reason === 'METHOD_NOT_ALLOWED'
            ? `${request.method} is not allowed here; use ${[...new Set(allowed)].join(' or ')}`
            : `No route at ${request.method} ${request.url.split('?')[0]}`;
        return sendProblem(request, reply, new RosterError(reason, message), request.id);
      });
    },
    { prefix: REST_PREFIX },
  );
}

function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
}

async function handleRestCall(
  route: RestRoute,
  contextOptions: RequestContextOptions,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const params = (request.params ?? {}) as Record<string, string>;
  let requestId = request.id;
  try {
    const takesBody = route.method !== 'GET' && route.method !== 'DELETE';
    if (takesBody && hasBody(request) && !isJson(request.headers['content-type'])) {
      throw new RosterError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the body as application/json, not ${request.headers['content-type'] ?? 'without a Content-Type'}`,
      );
    }
    const fromRequest = !takesBody
      ? queryInput(route, (request.query ?? {}) as Record<string, unknown>)
      : (request.body ?? {});
    // A body that is not a JSON object is passed as it is, for the input schema to refuse.
    const input = isPlainObject(fromRequest) ? { ...fromRequest, ...params } : fromRequest;
    const ctx = await createRequestContext(contextOptions, request, reply, [route.procedure]);
    requestId = ctx.requestId;
    const procedure = route.procedure
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx)) as (
      input: unknown,
    ) => Promise<unknown>;
    const data = await procedure(input);
    if (route.meta.rest?.successStatus === 204) return reply.code(204).send();
    return reply.code(200).send(data);
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (reasonOf(error) === 'INTERNAL') {
      request.log.error({ err: error.cause ?? error, path: route.procedure, requestId }, 'unexpected error');
    }
    return sendProblem(request, reply, error, requestId);
  }
}
