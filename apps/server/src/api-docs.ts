import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyApiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { restOpenApiDocument } from './openapi';
import { REST_PREFIX } from './transport-errors';

/** Where the API reference page is served. */
export const API_REFERENCE_PATH = '/docs/api';
export const OPENAPI_PATH = `${REST_PREFIX}/openapi.json`;

/** docs/errors.md of this repository, found from this file as source (src/) and bundled (dist/). */
function errorsDocPath(): string | undefined {
  const url = new URL('../../../docs/errors.md', import.meta.url);
  // Not a file when the server is loaded into a browser-like test environment (jsdom): no doc to serve.
  if (url.protocol !== 'file:') return undefined;
  const path = fileURLToPath(url);
  return existsSync(path) ? path : undefined;
}

/**
 * The REST surface's documents: the OpenAPI 3.1 document at `/v1/openapi.json`, an API reference page
 * rendered from it at `/docs/api` (Scalar, whose script the server serves itself: the page loads
 * nothing from the internet), and docs/errors.md at `/docs/errors.md`, where every problem's `type`
 * points.
 */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  let document: ReturnType<typeof restOpenApiDocument> | undefined;
  app.get(OPENAPI_PATH, async (_request, reply) => {
    document ??= restOpenApiDocument();
    return reply.header('cache-control', 'no-cache').send(document);
  });

  const errorsDoc = errorsDocPath();
  if (errorsDoc) {
    const text = readFileSync(errorsDoc, 'utf8');
    app.get('/docs/errors.md', async (_request, reply) =>
      reply.type('text/markdown; charset=utf-8').header('cache-control', 'no-cache').send(text),
    );
  }

  await app.register(fastifyApiReference, {
    routePrefix: API_REFERENCE_PATH,
    configuration: {
      metaData: { title: 'Roster API reference' },
      url: OPENAPI_PATH,
      // The default fonts come from Scalar's CDN: use the system's, so the page needs no internet.
      withDefaultFonts: false,
    },
  });
}
