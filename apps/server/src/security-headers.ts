import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of the web app's pages: its own scripts, styles, fonts and API only, the
 * inline SVG icon (`data:`), inline styles (a library's injected <style>), no plugins, and never inside a frame (`frame-ancestors 'none'`: no
 * clickjacking). The built app passes it (the browser tests fail on any violation it reports).
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // The dialogs' libraries inject small <style> elements at run time; styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The server's own paths: never a page of the app. */
const API_PATHS = /^\/(trpc|v1|healthz|readyz)(\/|\?|$)/;

/** Everything else (JSON answers) loads nothing and is framed nowhere. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers on every answer: the CSP above (the strict one for JSON answers, the app's otherwise),
 * `X-Content-Type-Options: nosniff` (a JSON answer is never sniffed into a script or a page),
 * `Referrer-Policy: no-referrer` (URLs, which may carry invitation or reset tokens, never leave in a
 * Referer), and `X-Frame-Options: DENY` for browsers older than `frame-ancestors`.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    // The API and health paths, and JSON answers anywhere, get the strict policy; everything else is the
    // app's (content types are not all known here: tRPC and sendFile set theirs later).
    const type = String(reply.getHeader('content-type') ?? '');
    const api = API_PATHS.test(request.url) || type.includes('json');
    reply.header('content-security-policy', api ? API_CSP : WEB_APP_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });
}
