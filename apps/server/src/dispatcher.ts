import {
  type ClaimedDelivery,
  claimDueDeliveries,
  type DeliveryOutcome,
  fanOutWebhookEvents,
  readWebhookSecret,
  releaseDelivery,
  STANDARD_WEBHOOK_HEADERS,
  settleDelivery,
  signStandardWebhook,
  signWebhookPayload,
  WEBHOOK_HEADERS,
  type WebhookSecretBox,
  WebhookSecretUnreadableError,
  webhookSecretBox,
} from '@roster/api';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import { postWebhook, WebhookTargetRefusedError } from './webhook-target';

/**
 * When a failed delivery is tried again: the delay after the 1st, 2nd, ... failed attempt. The model is
 * the schedule Standard Webhooks senders use: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h later — 8 attempts over about 27 h 35 min, so a receiver that is down for a day still gets the
 * event. docs/reliability.md states this schedule; a test compares it with these constants.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Each delay is stretched or shrunk at random by up to this fraction (±10 %), so replicas and endpoints spread out. */
export const WEBHOOK_RETRY_JITTER = 0.1;

/** Failed attempts in a row after which an endpoint's circuit opens (nothing is sent to it for a while). */
export const WEBHOOK_CIRCUIT_BREAKER_THRESHOLD = 5;
/** The first pause of an open circuit; it doubles with every further failure, up to the maximum. */
export const WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS = 60_000;
export const WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS = 3_600_000;

export interface DispatcherSettings {
  /** How often to look for due work when idle, in ms. 0 disables the loop (runOnce still works). */
  intervalMs: number;
  /** Events fanned out, and deliveries (endpoints) claimed, per step. */
  batchSize: number;
  /** Delays before the 2nd, 3rd, ... attempt; a delivery that failed 1 + length times is dead. */
  retryScheduleMs: readonly number[];
  /** ± fraction of random jitter on every delay. */
  retryJitter: number;
  /** Per request to a receiver (connect, send and answer together). */
  requestTimeoutMs: number;
  /** How long a claimed delivery is hidden from other dispatchers while its request runs. */
  leaseMs: number;
  /** Requests in flight to one endpoint, per dispatcher. A slow endpoint only ever holds this many. */
  concurrencyPerEndpoint: number;
  /** Requests in flight in all, per dispatcher. */
  maxConcurrentRequests: number;
  circuitBreakerThreshold: number;
  circuitBreakerPauseMs: number;
  circuitBreakerMaxPauseMs: number;
  /**
   * Deliver to loopback, private and link-local addresses too. Off by default: an owner's webhook URL
   * must not reach the metadata service or the database from inside your network (see webhook-target.ts).
   */
  allowPrivateTargets: boolean;
  /** The dispatcher's clock (tests pass a shortened one); every due time is compared against it. */
  now: () => Date;
  /** Decrypts the signing secrets; default: the process's (`configureWebhookSecrets`, WEBHOOK_SECRETS_KEY). */
  secrets: WebhookSecretBox | null;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  intervalMs: 1000,
  batchSize: 20,
  retryScheduleMs: WEBHOOK_RETRY_SCHEDULE_MS,
  retryJitter: WEBHOOK_RETRY_JITTER,
  requestTimeoutMs: 10_000,
  leaseMs: 5 * 60 * 1000,
  concurrencyPerEndpoint: 1,
  maxConcurrentRequests: 64,
  circuitBreakerThreshold: WEBHOOK_CIRCUIT_BREAKER_THRESHOLD,
  circuitBreakerPauseMs: WEBHOOK_CIRCUIT_BREAKER_PAUSE_MS,
  circuitBreakerMaxPauseMs: WEBHOOK_CIRCUIT_BREAKER_MAX_PAUSE_MS,
  allowPrivateTargets: false,
  now: () => new Date(),
  secrets: null,
};

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatchRound {
  /** Events fanned out into deliveries. */
  fannedOut: number;
  /** Deliveries claimed (one request each). */
  claimed: number;
  delivered: number;
  retrying: number;
  dead: number;
  /** Requests sent to receivers, and how many failed. */
  requests: number;
  failedRequests: number;
}

export interface Dispatcher {
  readonly settings: DispatcherSettings;
  /** Starts the loop (no-op when already running or `intervalMs` is 0). */
  start(): void;
  /** Stops the loop, aborts requests in flight (their deliveries are due again) and waits for them. */
  stop(): Promise<void>;
  /** One step, for tests: fan out, claim what is due, send it, and wait for every request it sent. */
  runOnce(): Promise<DispatchRound>;
  /** Requests in flight right now. */
  readonly inFlight: number;
  readonly running: boolean;
}

/** The JSON body a receiver gets. `id` is the event id, the same on every retry: de-duplicate on it. */
export function webhookBody(event: ClaimedDelivery['event']): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    organizationId: event.organizationId,
    createdAt: new Date(event.createdAt).toISOString(),
    data: event.payload,
  });
}

/**
 * The delay before the next attempt after attempt number `attempt` failed, or null when none is left:
 * `schedule[attempt - 1]` with ±`jitter` at random.
 */
export function retryDelayMs(
  attempt: number,
  settings: Pick<DispatcherSettings, 'retryScheduleMs' | 'retryJitter'>,
  random: () => number = Math.random,
): number | null {
  const base = settings.retryScheduleMs[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 + settings.retryJitter * (2 * random() - 1)));
}

/** How long an endpoint's circuit stays open after `failures` failed attempts in a row (null: closed). */
export function circuitPauseMs(
  failures: number,
  settings: Pick<
    DispatcherSettings,
    'circuitBreakerThreshold' | 'circuitBreakerPauseMs' | 'circuitBreakerMaxPauseMs'
  >,
): number | null {
  if (failures < settings.circuitBreakerThreshold) return null;
  const doublings = Math.min(30, failures - settings.circuitBreakerThreshold);
  return Math.min(settings.circuitBreakerMaxPauseMs, settings.circuitBreakerPauseMs * 2 ** doublings);
}

const noLogger: Logger = { debug() {}, warn() {}, error() {} };

/**
 * Delivers the outbox to the organizations' webhooks after commit. Each (event, endpoint) is a delivery
 * with its own schedule, and endpoints are isolated: a request runs on its own, never waiting for a round
 * or another endpoint; each endpoint has at most `concurrencyPerEndpoint` requests in flight, so a receiver
 * that never answers holds that many slots and nothing else; and an endpoint that keeps failing is paused
 * (circuit breaker). Several dispatchers (one per server replica) may run against one database: claims use
 * FOR UPDATE SKIP LOCKED plus a lease. Delivery is at least once: a receiver may see an event again (a crash
 * after its 2xx, a lease that ran out), so every request carries the event id to de-duplicate on.
 */
export function createDispatcher(
  db: Kysely<Database>,
  options: Partial<DispatcherSettings> & { logger?: Logger } = {},
): Dispatcher {
  const { logger = noLogger, ...overrides } = options;
  const settings: DispatcherSettings = { ...DEFAULT_DISPATCHER_SETTINGS, ...overrides };
  const perEndpoint = new Map<string, number>();
  const requests = new Set<Promise<void>>();
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  // One step at a time in this process: the busy set a claim reads must be the one of this moment.
  let stepping: Promise<unknown> = Promise.resolve();

  function busyEndpoints() {
    const busy = new Set<string>();
    for (const [webhookId, n] of perEndpoint) if (n >= settings.concurrencyPerEndpoint) busy.add(webhookId);
    return busy;
  }

  async function attempt(delivery: ClaimedDelivery, round: DispatchRound): Promise<void> {
    round.requests++;
    const body = webhookBody(delivery.event);
    const timestamp = Math.floor(settings.now().getTime() / 1000);
    let outcome: DeliveryOutcome;
    try {
      const secret = readWebhookSecret(settings.secrets ?? webhookSecretBox(), {
        id: delivery.webhookId,
        secret: delivery.secret,
        secret_ciphertext: delivery.secretCiphertext,
      });
      const { statusCode } = await postWebhook({
        url: delivery.url,
        timeoutMs: settings.requestTimeoutMs,
        allowPrivateTargets: settings.allowPrivateTargets,
        signal: stopping.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Roster-Webhooks/1',
          // Standard Webhooks: what receivers verify.
          [STANDARD_WEBHOOK_HEADERS.id]: delivery.event.id,
          [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook(
            secret,
            delivery.event.id,
            timestamp,
            body,
          ),
          // Roster's earlier headers, kept for one release (deprecated).
          [WEBHOOK_HEADERS.eventId]: delivery.event.id,
          [WEBHOOK_HEADERS.eventType]: delivery.event.type,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhookPayload(secret, timestamp, body),
          [WEBHOOK_HEADERS.attempt]: String(delivery.attempt),
        },
        body,
      });
      outcome =
        statusCode >= 200 && statusCode < 300
          ? { ok: true, statusCode }
          : { ok: false, statusCode, error: `HTTP ${statusCode}` };
    } catch (error) {
      if (stopping.signal.aborted) {
        // Not the receiver's fault: give the delivery back, due now, without counting the attempt.
        await releaseDelivery(db, delivery, settings.now());
        return;
      }
      outcome = { ok: false, statusCode: null, error: describeDeliveryError(error) };
    }
    if (!outcome.ok) round.failedRequests++;
    const now = settings.now();
    const noAttemptLeft =
      delivery.maxAttempts !== null
        ? delivery.attempt >= delivery.maxAttempts
        : delivery.attempt > settings.retryScheduleMs.length;
    const delay = noAttemptLeft ? null : retryDelayMs(delivery.attempt, settings);
    const settled = await settleDelivery(
      db,
      { id: delivery.id, webhookId: delivery.webhookId, attempt: delivery.attempt },
      outcome,
      {
        now,
        retryAt: delay === null ? null : new Date(now.getTime() + delay),
        pauseMs: (failures) => circuitPauseMs(failures, settings),
      },
    );
    if (settled === 'delivered') round.delivered++;
    else if (settled === 'retrying') round.retrying++;
    else if (settled === 'dead') {
      round.dead++;
      logger.warn(
        { deliveryId: delivery.id, eventId: delivery.event.id, webhookId: delivery.webhookId },
        'webhook delivery dead-lettered',
      );
    }
  }

  /** Starts one request; it runs on its own and frees its endpoint's slot when it settles. */
  function launch(delivery: ClaimedDelivery, round: DispatchRound): Promise<void> {
    perEndpoint.set(delivery.webhookId, (perEndpoint.get(delivery.webhookId) ?? 0) + 1);
    const request = attempt(delivery, round)
      .catch((error) => {
        // The delivery stays claimed until its lease ends; then it is due again.
        logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery failed to record');
      })
      .finally(() => {
        const n = (perEndpoint.get(delivery.webhookId) ?? 1) - 1;
        if (n <= 0) perEndpoint.delete(delivery.webhookId);
        else perEndpoint.set(delivery.webhookId, n);
        requests.delete(request);
        // A slot is free: look for more work soon.
        if (!stopped) wake(0);
      });
    requests.add(request);
    return request;
  }

  /** Fans out new events and starts every due delivery there is room for; answers the requests started. */
  async function step(round: DispatchRound): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    const run = stepping.then(async () => {
      round.fannedOut += await fanOutWebhookEvents(db, { limit: settings.batchSize, now: settings.now() });
      for (let i = 0; i < settings.concurrencyPerEndpoint; i++) {
        const room = settings.maxConcurrentRequests - requests.size;
        if (room <= 0 || stopping.signal.aborted) break;
        const claimed = await claimDueDeliveries(db, {
          limit: Math.min(settings.batchSize, room),
          leaseMs: settings.leaseMs,
          now: settings.now(),
          busy: busyEndpoints(),
        });
        round.claimed += claimed.length;
        for (const delivery of claimed) started.push(launch(delivery, round));
        if (claimed.length === 0) break;
      }
    });
    stepping = run.catch(() => {});
    await run;
    return started;
  }

  function emptyRound(): DispatchRound {
    return { fannedOut: 0, claimed: 0, delivered: 0, retrying: 0, dead: 0, requests: 0, failedRequests: 0 };
  }

  async function tick() {
    timer = null;
    if (stopped) return;
    let busy = false;
    try {
      const round = emptyRound();
      await step(round);
      busy = round.fannedOut === settings.batchSize || round.claimed > 0;
    } catch (error) {
      logger.warn({ err: error }, 'webhook dispatcher step failed; retrying on the next tick');
    }
    if (!stopped && !timer) wake(busy ? 0 : settings.intervalMs);
  }

  function wake(delayMs: number) {
    if (stopped) return;
    if (timer) {
      if (delayMs > 0) return;
      clearTimeout(timer);
    }
    timer = setTimeout(tick, delayMs);
  }

  return {
    settings,
    get running() {
      return !stopped;
    },
    get inFlight() {
      return requests.size;
    },
    start() {
      if (!stopped || settings.intervalMs <= 0 || stopping.signal.aborted) return;
      stopped = false;
      wake(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      stopping.abort();
      await stepping;
      await Promise.allSettled([...requests]);
    },
    async runOnce() {
      const round = emptyRound();
      const started = await step(round);
      await Promise.allSettled(started);
      return round;
    },
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
  if (error instanceof WebhookTargetRefusedError || error instanceof WebhookSecretUnreadableError) {
    return error.message;
  }
  const code = (error as { code?: string }).code;
  if (code && SOCKET_ERRORS[code]) return `${SOCKET_ERRORS[code]} (${code})`;
  return code ? `request failed (${code})` : 'request failed';
}
