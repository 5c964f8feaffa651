import type { Socket } from 'node:net';
import { ERROR_REASONS, type ErrorReason, errorDocsUrl } from '@roster/api';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function errorBody(reason: ErrorReason, status: number, message: string, requestId: string | null) {
  const code = ERROR_REASONS[reason].code;
  return {
    error: {
      message,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      data: {
        code,
        httpStatus: status,
        reason,
        hint: ERROR_REASONS[reason].hint,
        docs: errorDocsUrl(reason),
        requestId,
      },
    },
  };
}

/**
 * Requests refused by the HTTP layer before tRPC sees them (a body over the limit, a malformed or
 * unsupported body) get the same error shape as any refusal: `{ error: { message, code, data: { reason,
 * hint, docs, requestId } } }`. Fastify checks the body limit against Content-Length before reading, and
 * counts bytes while reading a chunked body, so an oversized body is never buffered whole or parsed.
 */
export function registerTransportErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    // Anything that is not the HTTP layer's own 4xx keeps Fastify's default handling.
    if (!error.code?.startsWith('FST_') || status < 400 || status >= 500) throw error;
    const reason: ErrorReason = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    const message =
      reason === 'PAYLOAD_TOO_LARGE'
        ? `Request body is larger than ${app.initialConfig.bodyLimit} bytes`
        : error.message;
    void reply.code(status).send(errorBody(reason, status, message, request.id));
  });
}

/** Unknown paths under the API prefix answer like an unknown procedure. */
export async function registerApiNotFound(app: FastifyInstance, prefix = '/trpc'): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((request, reply) => {
        void reply
          .code(404)
          .send(
            errorBody('PROCEDURE_NOT_FOUND', 404, `No procedure at ${request.url.split('?')[0]}`, request.id),
          );
      });
    },
    { prefix },
  );
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over the size limit, a
 * malformed request line) still get a JSON refusal with a reason. Big inputs belong in a POST body.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ([
          431,
          'PAYLOAD_TOO_LARGE',
          'Request headers (or URL) too large; send large inputs in a POST body',
        ] as const)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ([408, 'BAD_REQUEST', 'Request timed out'] as const)
        : ([400, 'BAD_REQUEST', 'Malformed HTTP request'] as const);
  const body = JSON.stringify(errorBody(reason, status, message, null));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Errors Fastify raises while routing (a malformed URL such as `/trpc/%zz`), in the same shape. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.code(status).send(errorBody('BAD_REQUEST', status, error.message, request.id));
}
