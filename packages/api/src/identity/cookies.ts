import type { CookieOptions, HttpContext } from '../context';
import { SESSION_COOKIE } from './sessions';

/**
 * httpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs), whole site. `Secure` is
 * added by the HTTP server when it runs in production (see `secureCookies` in `@roster/server`), so
 * handlers stay free of environment checks.
 */
const BASE: CookieOptions = { httpOnly: true, sameSite: 'lax', path: '/' };

export function setSessionCookie(http: HttpContext | null, token: string, expiresAt: Date): void {
  http?.setCookie(SESSION_COOKIE, token, { ...BASE, expires: expiresAt });
}

export function clearSessionCookie(http: HttpContext | null): void {
  http?.clearCookie(SESSION_COOKIE, BASE);
}
