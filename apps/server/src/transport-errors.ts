import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import {
  type ErrorReason,
  errorStatus,
  PROBLEM_CONTENT_TYPE,
  type RosterErrorInput,
  rosterErrorShape,
  toProblem,
} from '@roster/api';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `Retry-After` on a CONCURRENT_CHANGE (409), on both doors: the lock it waited for is usually free by then. */
export const CONCURRENT_CHANGE_RETRY_AFTER_SECONDS = '1';

/** The REST surface's prefix: refusals under it are RFC 9457 problems, elsewhere tRPC's error shape. */
export const REST_PREFIX = '/v1';

export function isRestPath(url: string): boolean {
  return url === REST_PREFIX || url.startsWith(`${REST_PREFIX}/`) || url.startsWith(`${REST_PREFIX}?`);
}

/**
 * Answers a refusal in the shape of the door it came through: `{ error: { message, code, data } }` on
 * `/trpc` (what tRPC itself answers), an `application/problem+json` problem under `/v1`. Both are built
 * from the same `rosterErrorShape`, with the reason's one status.
 */
export function sendRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  input: Omit<RosterErrorInput, 'requestId'>,
): FastifyReply {
  const shape = rosterErrorShape({ ...input, requestId: request.id });
  const status = errorStatus(input.reason);
  if (isRestPath(request.url)) {
    const instance = request.url.split('?')[0] ?? request.url;
    return reply
      .code(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(shape.data, shape.message, instance)));
  }
  return reply.code(status).send({ error: shape });
}

/** The reason for a 4xx the HTTP layer (Fastify) raises itself. */
function transportReason(status: number): ErrorReason {
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  if (status === 404) return 'PROCEDURE_NOT_FOUND';
  if (status === 408) return 'REQUEST_TIMEOUT';
  if (status === 431) return 'HEADERS_TOO_LARGE';
  return 'BAD_REQUEST';
}

/**
 * Requests refused by the HTTP layer before tRPC sees them (a body over the limit, a malformed or
 * unsupported body) get the same error shape as any refusal: `{ error: { message, code, data: { reason,
 * hint, docs, requestId } } }` (a problem under `/v1`). Fastify checks the body limit against
 * Content-Length before reading, and counts bytes while reading a chunked body, so an oversized body is
 * never buffered whole or parsed.
 */
export function registerTransportErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    // Anything that is not the HTTP layer's own 4xx keeps Fastify's default handling.
    if (!error.code?.startsWith('FST_') || status < 400 || status >= 500) throw error;
    const reason = transportReason(status);
    const message =
      reason === 'PAYLOAD_TOO_LARGE'
        ? `Request body is larger than ${app.initialConfig.bodyLimit} bytes`
        : error.message;
    return sendRefusal(request, reply, { reason, message });
  });
}

/** Unknown paths under the API prefix answer like an unknown procedure. */
export async function registerApiNotFound(app: FastifyInstance, prefix = '/trpc'): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((request, reply) =>
        sendRefusal(request, reply, {
          reason: 'PROCEDURE_NOT_FOUND',
          message: `No ${prefix === REST_PREFIX ? 'route' : 'procedure'} at ${request.method} ${request.url.split('?')[0]}`,
        }),
      );
    },
    { prefix },
  );
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over the size limit, a
 * malformed request line, a request that does not arrive in time) still get a JSON refusal with a reason
 * (tRPC's shape: no path is known yet). Big inputs belong in a POST body.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ([
          'HEADERS_TOO_LARGE',
          'Request headers (or URL) too large; send large inputs in a POST body',
        ] as const)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? (['REQUEST_TIMEOUT', 'Request timed out'] as const)
        : (['BAD_REQUEST', 'Malformed HTTP request'] as const);
  const status = errorStatus(reason);
  const body = JSON.stringify({ error: rosterErrorShape({ reason, message, requestId: null }) });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Errors Fastify raises while routing (a malformed URL such as `/trpc/%zz`), in the same shape. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void sendRefusal(request, reply, { reason: transportReason(status), message: error.message });
}
