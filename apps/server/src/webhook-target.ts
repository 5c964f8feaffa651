import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may be delivered. An owner types the URL, and the server makes the request from inside
 * your network. Without a check, a webhook could reach the cloud metadata service (169.254.169.254),
 * the database, or an admin port on localhost (SSRF). By default only public unicast addresses are
 * allowed. The check runs on every connection, on the address the request actually connects to after
 * DNS resolution, so a name that resolves to a private address (or starts to, DNS rebinding) is refused
 * too.
 */

/** The deprecated IPv4-compatible IPv6 range (`::a.b.c.d`), which ipaddr.js calls `unicast`. */
const IPV4_COMPATIBLE: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('::'), 96];

/**
 * True for a public unicast address. Loopback, private (RFC 1918), carrier-grade NAT, link-local,
 * unique-local, multicast, reserved, unspecified, and IPv6 forms that embed an IPv4 address (6to4,
 * Teredo, NAT64, IPv4-compatible) are not public. IPv4-mapped IPv6 addresses are judged as the IPv4
 * address they carry. Classification by ipaddr.js.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  // ipaddr.js reads `::127.0.0.1` as 127.0.0.1 but `::7f00:1` (the same address, as a URL writes it) as unicast.
  if (parsed instanceof ipaddr.IPv6 && parsed.match(IPV4_COMPATIBLE)) return false;
  return parsed.range() === 'unicast';
}

/**
 * A delivery the target policy refused before any byte was sent. The message names the host the owner
 * typed, never what it resolves to: DNS answers in an error would let an owner probe internal names.
 */
export class WebhookTargetRefusedError extends Error {
  override name = 'WebhookTargetRefusedError';
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  constructor(host: string) {
    super(
      `refused: ${host} is not a public address; set WEBHOOK_ALLOW_PRIVATE_TARGETS=1 to deliver to private networks`,
    );
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves as usual and then keeps only public addresses. Node's
 * sockets call it with `all: true` when they race IPv4 and IPv6 (autoSelectFamily); it answers in the
 * shape asked for.
 */
export function publicOnlyLookup(
  hostname: string,
  options: { family?: number | string; all?: boolean; hints?: number },
  callback: LookupCallback,
): void {
  dnsLookup(
    hostname,
    { family: Number(options.family) || 0, hints: options.hints, all: true },
    (error, all) => {
      if (error) return callback(error, options.all ? [] : '');
      const allowed = all.filter((entry) => isPublicAddress(entry.address));
      if (allowed.length === 0) {
        return callback(new WebhookTargetRefusedError(hostname), options.all ? [] : '');
      }
      if (options.all) return callback(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    },
  );
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Deliver to loopback and private addresses too (development, receivers inside your network). */
  allowPrivateTargets: boolean;
  /** Aborts the request (the dispatcher is stopping). */
  signal?: AbortSignal;
}

/**
 * POSTs one webhook and answers its status code (the body is discarded; redirects are not followed: a
 * 3xx is a failed delivery). Rejects with WebhookTargetRefusedError when the target is not allowed, and
 * with an AbortError named TimeoutError past `timeoutMs` (connect, send and answer together).
 */
export function postWebhook(request: WebhookRequest): Promise<{ statusCode: number }> {
  const url = new URL(request.url);
  // `[::1]` in a URL is `::1` to the resolver and to the address check.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!request.allowPrivateTargets && isIP(host) !== 0 && !isPublicAddress(host)) {
    return Promise.reject(new WebhookTargetRefusedError(host));
  }
  const transport = url.protocol === 'https:' ? https : http;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        signal,
        // IP literals never reach a lookup: they were checked above.
        ...(request.allowPrivateTargets ? {} : { lookup: publicOnlyLookup }),
        agent: false,
      },
      (res) => {
        res.on('error', reject);
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0 }));
        res.resume();
      },
    );
    req.on('error', (error) => reject(timeout.aborted ? timeoutError(error) : error));
    req.end(request.body);
  });
}

function timeoutError(cause: Error) {
  const error = new Error('timed out', { cause });
  error.name = 'TimeoutError';
  return error;
}
