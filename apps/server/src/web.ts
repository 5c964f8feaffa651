import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Where `pnpm build` puts the web app (apps/web/dist), found from this file both as source
 * (apps/server/src) and bundled (apps/server/dist). Undefined when it has not been built.
 */
export function defaultWebDist(): string | undefined {
  const dist = fileURLToPath(new URL('../../web/dist', import.meta.url));
  return existsSync(resolve(dist, 'index.html')) ? dist : undefined;
}

/** Paths that belong to the server, never to the single-page app. */
const SERVER_PATHS = /^\/(trpc|v1|docs|healthz|readyz)(\/|$|\?)/;

/**
 * Serves the built web app at `/` beside the API: its files as they are (hashed assets cached for a
 * year, everything else revalidated), and index.html for any other GET that is not an API path,
 * so the client-side router can take deep links like /app/acme/members.
 */
export async function registerWebApp(app: FastifyInstance, root: string): Promise<void> {
  const dist = resolve(root);
  if (!existsSync(resolve(dist, 'index.html'))) {
    throw new Error(`WEB_DIST: no index.html in ${dist}; build the web app first (pnpm build)`);
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    // One route per built file; everything else falls through to the not-found handler below.
    wildcard: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  // Requests no route answers: an app URL gets index.html. (API paths under /trpc keep their own
  // not-found answer; a missing asset or a non-GET is a plain 404, not the app's HTML.)
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage = request.method === 'GET' || request.method === 'HEAD';
    if (!isPage || SERVER_PATHS.test(path) || extname(path) !== '') {
      return reply.code(404).send({ error: 'Not Found', message: `Nothing at ${request.method} ${path}` });
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dist);
  });
  app.log.debug({ dist }, 'serving the web app');
}
