import { type PurgeResult, purgeDueOrganizations } from '@roster/api';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';

export interface PurgerSettings {
  /** How often to look for organizations whose deletion grace period is over, in ms. 0 disables the loop. */
  intervalMs: number;
  /** Memberships ended per transaction. */
  batchSize: number;
}

export const DEFAULT_PURGER_SETTINGS: PurgerSettings = { intervalMs: 60_000, batchSize: 500 };

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface Purger {
  readonly settings: PurgerSettings;
  readonly running: boolean;
  start(): void;
  /** Stops the loop and waits for a round in progress (its transactions are short). */
  stop(): Promise<void>;
  /** One round: purges every organization that is due, batch by batch, until none is left. */
  runOnce(): Promise<PurgeResult>;
}

const noLogger: Logger = { info() {}, warn() {} };

/**
 * The purge worker, in the server process beside the webhook dispatcher: every `intervalMs` it deletes
 * the organizations whose deletion grace period is over (`purgeDueOrganizations` in @roster/api: claims
 * with `FOR UPDATE SKIP LOCKED`, so several replicas may run it at once; idempotent; batch by batch).
 */
export function createPurger(
  db: Kysely<Database>,
  options: Partial<PurgerSettings> & { logger?: Logger } = {},
): Purger {
  const { logger = noLogger, ...overrides } = options;
  const settings: PurgerSettings = { ...DEFAULT_PURGER_SETTINGS, ...overrides };
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let current: Promise<unknown> | null = null;
  /** Set by stop(): a round in progress ends after its current transaction. */
  let stopping = false;

  async function runOnce(): Promise<PurgeResult> {
    const total: PurgeResult = { deleted: [], membershipsEnded: 0, batches: 0 };
    // Bounded rounds of batches; a stop request ends the loop between two transactions.
    for (;;) {
      const round = await purgeDueOrganizations(db, { batchSize: settings.batchSize, maxBatches: 20 });
      total.deleted.push(...round.deleted);
      total.membershipsEnded += round.membershipsEnded;
      total.batches += round.batches;
      if (round.batches < 20 || stopping) break;
    }
    for (const deleted of total.deleted) logger.info(deleted, 'organization deleted after its grace period');
    return total;
  }

  async function loop() {
    timer = null;
    if (stopped) return;
    try {
      const round = runOnce();
      current = round;
      await round;
    } catch (error) {
      logger.warn({ err: error }, 'organization purge failed; retrying on the next tick');
    } finally {
      current = null;
    }
    if (!stopped) timer = setTimeout(loop, settings.intervalMs);
  }

  return {
    settings,
    get running() {
      return !stopped;
    },
    start() {
      if (!stopped || settings.intervalMs <= 0) return;
      stopped = false;
      stopping = false;
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current?.catch(() => {});
    },
    runOnce,
  };
}
