import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of the web app's pages: its own scripts, styles, fonts and API only, the
 * inline SVG icon (`data:`), no plugins, and never inside a frame (`frame-ancestors 'none'`: no
 * clickjacking). The built app passes it (the browser tests fail on any violation it reports).
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Everything else (JSON answers) loads nothing and is framed nowhere. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers on every answer: the CSP above (the app's for HTML, the strict one otherwise),
 * `X-Content-Type-Options: nosniff` (a JSON answer is never sniffed into a script or a page),
 * `Referrer-Policy: no-referrer` (URLs, which may carry invitation or reset tokens, never leave in a
 * Referer), and `X-Frame-Options: DENY` for browsers older than `frame-ancestors`.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('content-security-policy', type.startsWith('text/html') ? WEB_APP_CSP : API_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });
}
