import { type IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { createURL } from '@trpc/server/adapters/node-http';
import { resolveResponse } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type TrpcOptions<TRouter extends AnyTRPCRouter> = FastifyTRPCPluginOptions<TRouter>['trpcOptions'];

/**
 * tRPC's Fastify adapter (`fastifyTRPCPlugin`), cheaper per request. The adapter hands Fastify tRPC's
 * fetch `Response`, which Fastify streams: `Transfer-Encoding: chunked`, the body read from a web stream
 * chunk by chunk, each read a promise. A plain JSON answer is no stream (tRPC builds it from one
 * string): it is read whole here and sent with a `Content-Length` as one buffer. Streamed answers
 * (`httpBatchStreamLink`'s, server-sent events) still go through as streams.
 *
 * Everything else is the adapter's: the same body parsers in its own scope, the same fetch `Request` (but
 * see `toFetchRequest`), `resolveResponse` (tRPC's documented entry point for adapters), the same
 * `createContext` and `onError` arguments, status and headers taken from the `Response`.
 */
export async function registerTrpc<TRouter extends AnyTRPCRouter>(
  app: FastifyInstance,
  options: { prefix: string; trpcOptions: TrpcOptions<TRouter> },
): Promise<void> {
  const trpcOptions = options.trpcOptions as TrpcOptions<AnyTRPCRouter>;
  await app.register(
    async (scope) => {
      // tRPC parses the body itself: hand it over as it came.
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        done(null, body);
      });
      scope.removeContentTypeParser('multipart/form-data');
      scope.addContentTypeParser('multipart/form-data', {}, (_request, body, done) => {
        done(null, body);
      });
      scope.all<{ Params: { path: string } }>('/:path', (request, reply) =>
        handleTrpcRequest(trpcOptions, request, reply, request.params.path),
      );
    },
    { prefix: options.prefix },
  );
}

async function handleTrpcRequest(
  trpcOptions: TrpcOptions<AnyTRPCRouter>,
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
): Promise<FastifyReply> {
  const response = await resolveResponse({
    ...trpcOptions,
    req: toFetchRequest(request, reply),
    path,
    error: null,
    createContext: async (inner) => await trpcOptions.createContext?.({ ...inner, req: request, res: reply }),
    onError: (error) => trpcOptions.onError?.({ ...error, req: request }),
  });
  if (!isWholeJson(response)) return reply.send(response);
  // What Fastify does with a `Response`, but with the body read whole.
  reply.code(response.status);
  for (const [name, value] of response.headers) reply.header(name, value);
  // A Buffer keeps the content type as tRPC set it (Fastify would add a charset to a string's).
  return reply.send(Buffer.from(await response.arrayBuffer()));
}

/**
 * A JSON answer made of one string. tRPC's streamed answers say so: `httpBatchStreamLink`'s is
 * `application/json` too, but `Transfer-Encoding: chunked`; server-sent events are `text/event-stream`.
 */
function isWholeJson(response: Response): boolean {
  const type = response.headers.get('content-type');
  return (
    response.body !== null &&
    type !== null &&
    /^application\/json\s*(;|$)/i.test(type) &&
    !response.headers.has('transfer-encoding')
  );
}

/**
 * The fetch `Request` tRPC reads, as the adapter's `incomingMessageToRequest` builds it (URL, method,
 * headers, body, a signal), with two differences in cost, none in what tRPC sees:
 * - the signal is aborted when the client goes away before its answer is sent. The adapter aborts it
 *   whenever the response closes, that is after every answer too, when every call has long settled: an
 *   abort event and an `AbortError` (a `DOMException`, stack trace included) per request, for nobody;
 * - the headers are handed to `Request` once, not first copied into a `Headers` that it copies again.
 */
function toFetchRequest(request: FastifyRequest, reply: FastifyReply): Request {
  const raw = request.raw;
  const res = reply.raw;
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  const init: RequestInit & { duplex?: 'half' } = {
    method: raw.method,
    headers: headerPairs(raw.headers),
    signal: controller.signal,
  };
  if (raw.method !== 'GET' && raw.method !== 'HEAD') {
    init.body = requestBody(request.body);
    init.duplex = 'half';
  }
  return new Request(createURL(raw), init);
}

/** Node's request headers as fetch header pairs (HTTP/2 pseudo-headers left out, repeated ones repeated). */
function headerPairs(headers: IncomingHttpHeaders): [string, string][] {
  const pairs: [string, string][] = [];
  for (const name in headers) {
    if (name.startsWith(':')) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) pairs.push([name, item]);
    else if (value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/** What the body parsers above left: JSON as its text, multipart as the request stream itself. */
function requestBody(body: unknown): RequestInit['body'] {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof IncomingMessage) return body as unknown as RequestInit['body'];
  return JSON.stringify(body);
}
