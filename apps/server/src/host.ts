import type { FastifyInstance } from 'fastify';
import { sendRefusal } from './transport-errors';

/** Which `Host` names the server answers to besides the loopback names; `false`: any (the check is off). */
export type HostCheck = false | { hosts: ReadonlySet<string> };

/** Probes by address (a load balancer's, an orchestrator's) carry no data and name no host. */
const UNCHECKED_PATHS = /^\/(healthz|readyz)(\?|$)/;

/**
 * The hosts of the configured public origins: `APP_URL` (where the app is served) and `ALLOWED_ORIGINS`.
 * The loopback names (`localhost`, `127.x.x.x`, `[::1]`, any port) are always answered: an attacker's
 * page cannot make a browser send them for a name of its own.
 */
export function hostCheckFor(config: {
  APP_URL?: string | undefined;
  ALLOWED_ORIGINS: readonly string[];
}): HostCheck {
  const hosts = new Set<string>();
  for (const origin of [config.APP_URL, ...config.ALLOWED_ORIGINS]) {
    if (origin) hosts.add(new URL(origin).host.toLowerCase());
  }
  return { hosts };
}

/** `localhost`, `127.0.0.1` (any 127.x.x.x) or `[::1]`, with or without a port. */
function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

export function isHostAllowed(host: string | undefined, check: HostCheck): boolean {
  if (check === false) return true;
  if (!host) return false;
  const lower = host.toLowerCase();
  return check.hosts.has(lower) || isLoopbackHost(lower);
}

/**
 * DNS rebinding: a page on an attacker's site whose name they point at 127.0.0.1 is, to the browser,
 * same-origin with that name, and can drive a local server (a development server with its demo
 * accounts) as if it were its own site. Such requests carry the attacker's name in `Host`. Every
 * request but the health probes must name a configured host (with a trusted proxy, the forwarded one);
 * anything else is refused with HOST_NOT_ALLOWED before any other work.
 */
export function registerHostCheck(app: FastifyInstance, check: HostCheck): void {
  if (check === false) return;
  app.addHook('onRequest', async (request, reply) => {
    if (UNCHECKED_PATHS.test(request.url) || isHostAllowed(request.host, check)) return;
    return sendRefusal(request, reply, {
      reason: 'HOST_NOT_ALLOWED',
      message: 'This server does not answer to that host name; use its configured address (APP_URL)',
    });
  });
}
