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
 * Everything else is the adapter's: the same body parsers in its own scope, the request it describes
 * (but see `FastifyTrpcRequest`: no fetch `Request` but for a multipart body),
 * `resolveResponse` (tRPC's documented entry point for adapters), the same `createContext` and `onError`
 * arguments, status and headers taken from the `Response`.
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
    req: new FastifyTrpcRequest(request, reply) as unknown as Request,
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
 * The request tRPC reads, for `resolveResponse`. tRPC's adapter builds a fetch `Request` per call: an
 * undici object with a `Headers` copy, a body stream read back through web streams, and two
 * `AbortSignal`s of its own (one following the adapter's), each made transferable. `resolveResponse`
 * (@trpc/server 11) reads little of it: the method, the URL, the headers through `get` and `has`, the
 * signal, and the body through `json()` (a JSON call) or `formData()` (multipart; octet-stream bodies
 * never get here: this scope has no parser for them, so Fastify answers 415). This answers those from what
 * Fastify already has — the body parsed above as a string, the headers as Node parsed them — and builds a
 * real fetch `Request` only for a multipart body (`toFetchRequest`). `apps/server/test/http.test.ts`
 * holds it to fetch's behaviour.
 *
 * The signal is aborted when the client goes away before its answer is sent (the adapter aborts it
 * whenever the response closes, after every answer too: an abort event and an `AbortError` per request,
 * for nobody).
 */
class FastifyTrpcRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: NodeHeaders;
  readonly signal: AbortSignal;

  constructor(
    private readonly request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const raw = request.raw;
    const res = reply.raw;
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableEnded) controller.abort();
    });
    this.method = raw.method ?? 'GET';
    this.url = createURL(raw).href;
    this.headers = new NodeHeaders(raw.headers);
    this.signal = controller.signal;
  }

  /** As `Request.json()`: the body parsed as JSON (a leading byte order mark ignored). */
  async json(): Promise<unknown> {
    const body = this.request.body;
    if (typeof body !== 'string') return this.fetchRequest().json();
    return JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  }

  formData(): Promise<FormData> {
    return this.fetchRequest().formData();
  }

  private fetchRequest(): Request {
    return toFetchRequest(this.request, this.method, this.url, this.signal);
  }
}

/**
 * `Headers.get` and `has` over Node's parsed request headers (lower-case names; repeated headers joined
 * with ", " as fetch joins them), without copying them.
 */
class NodeHeaders {
  constructor(private readonly incoming: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.incoming[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.incoming[name.toLowerCase()] !== undefined;
  }
}

/** A fetch `Request` with what Fastify parsed: the body as its text, or the multipart stream itself. */
function toFetchRequest(request: FastifyRequest, method: string, url: string, signal: AbortSignal): Request {
  const init: RequestInit & { duplex?: 'half' } = {
    method,
    headers: headerPairs(request.raw.headers),
    signal,
  };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = requestBody(request.body);
    init.duplex = 'half';
  }
  return new Request(url, init);
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
