import {
  AUDIT_CSV_COLUMNS,
  appRouter,
  auditLogExportFormat,
  auditLogFilterShape,
  ERROR_REASON_LIST,
  ERROR_REASONS,
  type ErrorReason,
  SESSION_COOKIE,
} from '@roster/api';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { type RestRoute, restRoutes } from './rest';
import { REST_PREFIX } from './transport-errors';

/**
 * Routes under `/v1` that are plain Fastify routes rather than procedures (the streamed audit log export,
 * `audit-export.ts`), described for the OpenAPI document in zod-openapi's path format, beside the route.
 * `x-roster-reasons` lists the route's own refusals; the document adds the problem responses for them and
 * for the reasons every route with a caller can answer, as it does for procedures.
 */
export const EXTRA_REST_PATHS: ZodOpenApiPathsObject = {
  '/organizations/{organizationId}/audit-log/export': {
    get: {
      operationId: 'auditLog-export',
      summary: 'Export the audit log (CSV or JSON Lines)',
      description:
        'The whole audit log, newest first, with the filters of `GET /organizations/{organizationId}/audit-log` ' +
        '(`action`, `actorUserId`, `actorApiKeyId`, `targetUserId`, `from` inclusive, `to` exclusive, ISO 8601), ' +
        'as a download (`Content-Disposition: attachment`), streamed: the server reads 500 rows per statement and ' +
        'writes each batch as the client takes it. Who may: as the audit log (owners, admins, viewers; API keys ' +
        'with `audit:read`). A refusal answers before the first byte.',
      tags: ['audit log'],
      requestParams: {
        path: z.object({ organizationId: z.uuid() }),
        query: z.object({
          format: auditLogExportFormat.describe(
            '`csv`: text/csv with a header row; `jsonl`: application/x-ndjson, one item per line.',
          ),
          ...auditLogFilterShape,
        }),
      },
      security: [{ bearerApiKey: [] }, { headerApiKey: [] }, { sessionCookie: [] }],
      responses: {
        200: {
          description: 'The export, streamed (chunked).',
          headers: z.object({
            'Content-Disposition': z
              .string()
              .describe(
                '`attachment; filename="audit-log-<organization slug>-<YYYY-MM-DD>.csv"` (or `.jsonl`).',
              ),
          }),
          content: {
            'text/csv': {
              schema: z
                .string()
                .describe(
                  `RFC 4180 CSV with a header row and the columns ${AUDIT_CSV_COLUMNS.join(', ')} (metadata as JSON); ` +
                    "cells a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) are prefixed with '.",
                ),
            },
            'application/x-ndjson': {
              schema: z
                .string()
                .describe(
                  'JSON Lines: one item per line, each as in the `items` of `GET /organizations/{organizationId}/audit-log`.',
                ),
            },
          },
        },
      },
      'x-roster-reasons': [
        'VALIDATION_FAILED',
        'ORGANIZATION_NOT_FOUND',
        'INSUFFICIENT_ROLE',
        'INSUFFICIENT_SCOPE',
      ],
    },
  },
};

const SECURITY_SCHEMES = {
  bearerApiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An organization API key: `Authorization: Bearer rst_...`.',
  },
  headerApiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The same API key in a header of its own: `X-API-Key: rst_...`.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'A browser session (set by signing in through the web app). Unsafe methods (POST, PATCH, DELETE) with a ' +
      'cookie must come from the app’s own origin (FORBIDDEN_ORIGIN otherwise).',
  },
} as const;

/** Reasons any route can answer, whatever it does. */
const EVERY_ROUTE: ErrorReason[] = ['RATE_LIMITED', 'INTERNAL'];
/** ... a route that needs a caller. */
const AUTHENTICATED: ErrorReason[] = ['UNAUTHENTICATED', 'INVALID_API_KEY'];
/** ... a route with a JSON body. */
const WITH_BODY: ErrorReason[] = [
  'BAD_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'FORBIDDEN_ORIGIN',
];

/** Every reason a route can be refused with, in `ERROR_REASONS` order. */
export function routeReasons(route: Pick<RestRoute, 'method' | 'meta'>): ErrorReason[] {
  const reasons = new Set<ErrorReason>([
    ...EVERY_ROUTE,
    ...(route.meta.openapi?.protect === false ? [] : AUTHENTICATED),
    'VALIDATION_FAILED',
    ...(route.method === 'GET'
      ? []
      : route.method === 'DELETE'
        ? (['FORBIDDEN_ORIGIN'] as const)
        : WITH_BODY),
    ...(route.meta.reasons ?? []),
  ]);
  return ERROR_REASON_LIST.filter((reason) => reasons.has(reason));
}

function problemResponses(reasons: readonly ErrorReason[]) {
  const byStatus = new Map<number, ErrorReason[]>();
  for (const reason of reasons) {
    const status = ERROR_REASONS[reason].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), reason]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [
        String(status),
        {
          description: codes.map((code) => `\`${code}\`: ${ERROR_REASONS[code].hint}`).join(' '),
          ...(status === 429 || codes.includes('CONCURRENT_CHANGE')
            ? { headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } }
            : {}),
          content: {
            'application/problem+json': {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/Problem' },
                  {
                    type: 'object',
                    properties: { status: { const: status }, code: { type: 'string', enum: codes } },
                  },
                ],
              },
            },
          },
        },
      ]),
  );
}

const PROBLEM_SCHEMA = {
  type: 'object',
  description:
    'An RFC 9457 problem (`application/problem+json`). Branch on `code`, the stable reason; `type` and `docs` link its documentation.',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code', 'hint', 'docs', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri-reference', description: 'The reason’s documentation URL.' },
    title: { type: 'string', description: 'The reason in words, the same for every occurrence.' },
    status: { type: 'integer', description: 'The HTTP status, the one the reason always answers with.' },
    detail: { type: 'string', description: 'What went wrong this time.' },
    instance: { type: 'string', description: 'The request path that was refused.' },
    code: { type: 'string', enum: ERROR_REASON_LIST, description: 'The stable reason to branch on.' },
    hint: { type: 'string', description: 'One sentence telling the caller what to do.' },
    docs: { type: 'string', description: 'The reason’s documentation URL (as `type`).' },
    requestId: { type: ['string', 'null'], description: 'The request id, also in `X-Request-Id`.' },
    errors: {
      type: 'array',
      description: 'For VALIDATION_FAILED: each bad field and why.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'The field, dotted (`memberId`, `items.0.email`).' },
          message: { type: 'string' },
        },
      },
    },
    retryAfter: { type: 'integer', description: 'For RATE_LIMITED: seconds to wait (as `Retry-After`).' },
    details: { type: 'object', additionalProperties: true, description: 'Facts about this refusal.' },
  },
} as const;

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description: 'The limit and its window, e.g. `600;w=60`.',
    schema: { type: 'string' },
  },
  'RateLimit-Limit': { description: 'Calls allowed in the window.', schema: { type: 'string' } },
  'RateLimit-Remaining': { description: 'Calls left in the window.', schema: { type: 'string' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'string' } },
} as const;

export interface OpenApiDocumentOptions {
  /** The URL the REST surface is served at, as seen by clients (default: `/v1`, relative to the server). */
  serverUrl?: string;
  extraPaths?: ZodOpenApiPathsObject;
}

/**
 * The OpenAPI 3.1 document of `/v1`, generated by `trpc-to-openapi` from the procedures' metadata and
 * their input and output schemas, then completed with what that generator does not know: the problem
 * responses each route can answer (by status, each listing its reasons), the 204 of a removal, the
 * security schemes (API key as bearer or header, session cookie) and the rate limit headers.
 */
export function restOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenAPIObject {
  const routes = restRoutes(appRouter);
  const byOperationId = new Map(routes.map((route) => [route.procedure.replaceAll('.', '-'), route]));
  const document = generateOpenApiDocument(appRouter, {
    title: 'Roster REST API',
    version: '1.0.0',
    description:
      'Organization membership over plain HTTP: the same procedures, guards and transactions as `/trpc`. ' +
      'Authenticate with an API key (`Authorization: Bearer rst_...` or `X-API-Key`) or a session cookie. ' +
      'Refusals are RFC 9457 problems (`application/problem+json`) whose `code` is a stable reason, each with ' +
      'one HTTP status (see `/docs/errors.md`). Lists are keyset-paginated: pass `nextCursor` back as ' +
      '`cursor` until it is null. Every answer carries `RateLimit-*` headers; 429 carries `Retry-After`.',
    baseUrl: options.serverUrl ?? REST_PREFIX,
    securitySchemes: SECURITY_SCHEMES as never,
    tags: ['organizations', 'members', 'invitations', 'audit log', 'api keys', 'webhooks'],
    paths: { ...EXTRA_REST_PATHS, ...options.extraPaths },
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA as never },
    headers: {
      ...document.components?.headers,
      'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } },
      ...Object.fromEntries(Object.entries(RATE_LIMIT_HEADERS).map(([name, header]) => [name, header])),
    },
  };
  const rateLimitHeaderRefs = Object.fromEntries(
    Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
  );
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      const route = byOperationId.get(operation.operationId ?? '');
      const reasons = route
        ? routeReasons(route)
        : ERROR_REASON_LIST.filter((reason) =>
            new Set<ErrorReason>([
              ...EVERY_ROUTE,
              ...AUTHENTICATED,
              ...(((operation as Record<string, unknown>)['x-roster-reasons'] as ErrorReason[]) ?? []),
            ]).has(reason),
          );
      const success = Object.entries(operation.responses ?? {}).filter(([status]) => status.startsWith('2'));
      const successResponses = Object.fromEntries(
        route?.meta.rest?.successStatus === 204
          ? [['204', { description: route.meta.openapi?.successDescription ?? 'Done; no content.' }]]
          : success,
      );
      for (const response of Object.values(successResponses) as Array<{ headers?: object }>) {
        response.headers = { ...response.headers, ...rateLimitHeaderRefs };
      }
      operation.responses = { ...successResponses, ...problemResponses(reasons) };
      if (route) {
        const peopleOnly = reasons.includes('SESSION_REQUIRED');
        operation.security = peopleOnly
          ? [{ sessionCookie: [] }]
          : [{ bearerApiKey: [] }, { headerApiKey: [] }, { sessionCookie: [] }];
        (operation as Record<string, unknown>)['x-roster-procedure'] = route.procedure;
      }
    }
  }
  return document;
}
