import type { FastifyRequest } from 'fastify';

/**
 * Cross-site request forgery guard: a browser attaches the session cookie to a POST from any site, but
 * it also says where the request comes from (`Origin`, on every POST in current browsers). A mutation
 * (tRPC mutations are POSTs; on REST, every method but GET and HEAD changes something) is refused when
 * its Origin is neither the server's own host nor in `allowedOrigins`.
 *
 * - A request with an `Authorization` (or `X-API-Key`) header is exempt: a browser cannot be made to send one cross-site
 *   without a CORS preflight, and API keys (server-to-server) are no ambient credential.
 * - No `Origin` at all is a non-browser client (curl, a server): allowed, as it carries no browser's cookie
 *   against the user's will (unless `Sec-Fetch-Site: cross-site` says otherwise). `Origin: null`
 *   (sandboxed frames, some redirects) is refused.
 * - The own host is compared by host and port (`Host`, or `X-Forwarded-Host` when `trustProxy` is on),
 *   not scheme, so TLS terminated by a proxy in front still counts as the same origin.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isOriginAllowed(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  if (request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined) return true;
  const origin = request.headers.origin;
  // A browser that sends no Origin may still say the request is cross-site.
  if (origin === undefined) return request.headers['sec-fetch-site'] !== 'cross-site';
  if (origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowedOrigins.has(parsed.origin)) return true;
  return parsed.host === request.host || parsed.host === request.headers.host;
}

/** Normalizes configured origins (`https://app.example.com/` -> `https://app.example.com`). */
export function normalizeOrigins(origins: readonly string[] | undefined): Set<string> {
  return new Set((origins ?? []).map((origin) => new URL(origin).origin));
}
