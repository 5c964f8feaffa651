import {
  type ClaimedEvent,
  claimDueEvents,
  pendingDeliveries,
  recordDeliveryAttempt,
  settleEvent,
  signWebhookPayload,
  WEBHOOK_HEADERS,
} from '@roster/api';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import { postWebhook, WebhookTargetRefusedError } from './webhook-target';

export interface DispatcherSettings {
  /** How often to look for due events when idle, in ms. 0 disables the loop (runOnce still works). */
  intervalMs: number;
  /** Events claimed per round. */
  batchSize: number;
  /** After this many attempts an event that some webhook still has not acknowledged is dead-lettered. */
  maxAttempts: number;
  /** First retry delay; doubled on every attempt (with jitter), up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Per request to a receiver. */
  requestTimeoutMs: number;
  /** How long a claimed event is hidden from other dispatchers while being delivered. */
  leaseMs: number;
  /**
   * Deliver to loopback, private and link-local addresses too. Off by default: an owner's webhook URL
   * must not reach the metadata service or the database from inside your network (see webhook-target.ts).
   */
  allowPrivateTargets: boolean;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  intervalMs: 1000,
  batchSize: 20,
  maxAttempts: 8,
  retryBaseMs: 5000,
  retryMaxMs: 60 * 60 * 1000,
  requestTimeoutMs: 10_000,
  leaseMs: 5 * 60 * 1000,
  allowPrivateTargets: false,
};

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatchRound {
  claimed: number;
  delivered: number;
  retrying: number;
  dead: number;
  /** Requests sent to receivers in this round, and how many failed. */
  requests: number;
  failedRequests: number;
}

export interface Dispatcher {
  readonly settings: DispatcherSettings;
  /** Starts the polling loop (no-op when already running or `intervalMs` is 0). */
  start(): void;
  /** Stops the loop and waits for the round in progress. */
  stop(): Promise<void>;
  /** One round: claim due events, deliver them, settle them. */
  runOnce(): Promise<DispatchRound>;
  readonly running: boolean;
}

/** The JSON body a receiver gets. `id` is the event id, the same on every retry: de-duplicate on it. */
export function webhookBody(event: ClaimedEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    organizationId: event.organization_id,
    createdAt: new Date(event.created_at).toISOString(),
    data: event.payload,
  });
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so replicas spread out. */
export function retryDelayMs(
  attempts: number,
  settings: Pick<DispatcherSettings, 'retryBaseMs' | 'retryMaxMs'>,
) {
  const exponential = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
}

const noLogger: Logger = { debug() {}, warn() {}, error() {} };

/**
 * Delivers the outbox to the organizations' webhooks after commit. Several dispatchers (one per server
 * replica) may run against one database: claims use FOR UPDATE SKIP LOCKED plus a lease. Delivery is
 * at least once: a receiver may see an event again (a crash after its 2xx, a lease that ran out), so every
 * request carries the event id to de-duplicate on.
 */
export function createDispatcher(
  db: Kysely<Database>,
  options: Partial<DispatcherSettings> & { logger?: Logger } = {},
): Dispatcher {
  const { logger = noLogger, ...overrides } = options;
  const settings: DispatcherSettings = { ...DEFAULT_DISPATCHER_SETTINGS, ...overrides };
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let current: Promise<unknown> | null = null;

  async function deliverEvent(event: ClaimedEvent, round: DispatchRound) {
    const deliveries = await pendingDeliveries(db, event.id);
    const body = webhookBody(event);
    const errors: string[] = [];
    await Promise.all(
      deliveries.map(async (delivery) => {
        const timestamp = Math.floor(Date.now() / 1000);
        round.requests++;
        let outcome:
          | { ok: true; statusCode: number }
          | { ok: false; statusCode: number | null; error: string };
        try {
          const { statusCode } = await postWebhook({
            url: delivery.url,
            timeoutMs: settings.requestTimeoutMs,
            allowPrivateTargets: settings.allowPrivateTargets,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Roster-Webhooks/1',
              [WEBHOOK_HEADERS.eventId]: event.id,
              [WEBHOOK_HEADERS.eventType]: event.type,
              [WEBHOOK_HEADERS.timestamp]: String(timestamp),
              [WEBHOOK_HEADERS.signature]: signWebhookPayload(delivery.secret, timestamp, body),
              [WEBHOOK_HEADERS.attempt]: String(event.attempts),
            },
            body,
          });
          outcome =
            statusCode >= 200 && statusCode < 300
              ? { ok: true, statusCode }
              : { ok: false, statusCode, error: `HTTP ${statusCode}` };
        } catch (error) {
          outcome = { ok: false, statusCode: null, error: describeDeliveryError(error) };
        }
        if (!outcome.ok) {
          round.failedRequests++;
          errors.push(`webhook ${delivery.webhook_id}: ${outcome.error}`);
        }
        await recordDeliveryAttempt(db, delivery.id, outcome);
      }),
    );
    const settled = await settleEvent(
      db,
      { id: event.id, claimedAttempts: event.attempts },
      {
        maxAttempts: settings.maxAttempts,
        retryInMs: retryDelayMs(event.attempts, settings),
        lastError: errors.length ? errors.join('; ').slice(0, 2000) : null,
      },
    );
    if (settled === 'delivered') round.delivered++;
    else if (settled === 'pending') round.retrying++;
    else if (settled === 'dead') {
      round.dead++;
      logger.warn({ eventId: event.id, attempts: event.attempts, errors }, 'webhook event dead-lettered');
    }
  }

  async function runOnce(): Promise<DispatchRound> {
    const round: DispatchRound = {
      claimed: 0,
      delivered: 0,
      retrying: 0,
      dead: 0,
      requests: 0,
      failedRequests: 0,
    };
    const events = await claimDueEvents(db, { limit: settings.batchSize, leaseMs: settings.leaseMs });
    round.claimed = events.length;
    await Promise.all(
      events.map((event) =>
        deliverEvent(event, round).catch((error) => {
          // The event stays claimed until its lease ends, then another round retries it.
          logger.error({ err: error, eventId: event.id }, 'webhook delivery failed to record');
        }),
      ),
    );
    return round;
  }

  async function loop() {
    timer = null;
    if (stopped) return;
    let full = false;
    try {
      const round = runOnce();
      current = round;
      full = (await round).claimed === settings.batchSize;
    } catch (error) {
      logger.warn({ err: error }, 'webhook dispatcher round failed; retrying on the next tick');
    } finally {
      current = null;
    }
    if (!stopped) timer = setTimeout(loop, full ? 0 : settings.intervalMs);
  }

  return {
    settings,
    get running() {
      return !stopped;
    },
    start() {
      if (!stopped || settings.intervalMs <= 0) return;
      stopped = false;
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current?.catch(() => {});
    },
    runOnce,
  };
}

/** Socket errors by code, in words that carry no address (Node's own messages name the IP and port). */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (temporary DNS failure)',
  ECONNABORTED: 'connection aborted',
  EPROTO: 'TLS handshake failed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/**
 * What a delivery row and the owner see about a failed request: never an IP address or a DNS answer
 * (an owner must not learn what internal names resolve to), only the kind of failure and its code.
 */
export function describeDeliveryError(error: unknown): string {
  if (!(error instanceof Error)) return 'request failed';
  if (error.name === 'TimeoutError') return 'timed out';
  if (error instanceof WebhookTargetRefusedError) return error.message;
  const code = (error as { code?: string }).code;
  if (code && SOCKET_ERRORS[code]) return `${SOCKET_ERRORS[code]} (${code})`;
  return code ? `request failed (${code})` : 'request failed';
}
