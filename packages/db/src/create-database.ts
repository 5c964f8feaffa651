import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, type LogConfig, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema';

export type DatabaseKind = 'pglite' | 'postgres';

export interface CreateDatabaseOptions {
  /** A `postgres://` or `postgresql://` URL. Without one, an embedded PGlite database is opened. */
  url?: string | undefined;
  /** PGlite only: the data directory (created if missing). `memory://` keeps it in memory. Default `.data/`. */
  dataDir?: string | undefined;
  /** Postgres only: pool size. Default 10. */
  maxConnections?: number | undefined;
  /** Postgres only: how long to wait for a connection before failing, in ms. Default 5000. */
  connectionTimeoutMs?: number | undefined;
  /** Postgres only: server-side statement timeout, in ms. Default 15000. */
  statementTimeoutMs?: number | undefined;
  /** Postgres only: how long a statement waits for a lock before failing with 55P03, in ms. Default 5000. */
  lockTimeoutMs?: number | undefined;
  /**
   * Postgres only: run parameterized statements as named prepared statements, so each connection parses
   * and plans a statement once and then reuses it. Default true. Turn it off behind a pooler that does not
   * keep prepared statements per client (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean | undefined;
  /** Kysely's log option, e.g. to count statements. */
  log?: LogConfig | undefined;
}

/**
 * A pg client that never leaves an 'error' event unheard. A connection cut while the client is checked
 * out between queries, or after a connect timeout already failed its attempt (a network partition that
 * heals), makes pg emit 'error' on the client with no listener, which would crash the process. Failures
 * of a query still reach that query's caller; this only keeps a late, unowned error from being fatal.
 */
class ResilientClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {});
  }
}

/**
 * The statements Kysely opens a transaction with (`begin`, or `start transaction` with an isolation level
 * and access mode): only these well-formed ones are held back, so a held-back BEGIN cannot fail on its
 * own while the statement sent behind it runs outside the transaction.
 */
const TRANSACTION_START =
  /^(begin|start transaction( isolation level (serializable|repeatable read|read committed|read uncommitted))?( read only| read write)?)$/;

/**
 * A client that sends a transaction's BEGIN together with its first statement: one round trip, not two,
 * for every transaction (what pgjdbc and Npgsql do too). Kysely awaits `begin` before it runs the
 * transaction's first statement; this answers `begin` at once, holds it back, and writes it to the socket
 * in the same write as whatever comes next (node-postgres's pipeline mode lets a query go out before the
 * answer to the previous one is in). PostgreSQL runs them in order, so the statement runs inside the
 * transaction exactly as before. The held-back BEGIN's outcome is that statement's: if BEGIN failed,
 * the statement's promise rejects with BEGIN's error (its own result is dropped) and Kysely rolls back.
 *
 * Only the BEGIN is held back: every other query is sent when asked, and Kysely never has two queries in
 * flight on one connection, so pipeline mode changes nothing else (it refuses cursors and the `rows`
 * option, which Roster does not use).
 */
class PipeliningClient extends ResilientClient {
  /** The BEGIN Kysely was told had run, to be sent with the next query. */
  #heldBegin: string | undefined;

  constructor(config?: string | pg.ClientConfig) {
    super(
      typeof config === 'string'
        ? { connectionString: config, pipeline: true }
        : { ...config, pipeline: true },
    );
  }

  // pg's Client.query has many overloads; this forwards every call shape untouched except Kysely's BEGIN.
  override query(...args: unknown[]): any {
    const [text, values] = args;
    if (
      this.#heldBegin === undefined &&
      args.length === 2 &&
      typeof text === 'string' &&
      Array.isArray(values) &&
      values.length === 0 &&
      TRANSACTION_START.test(text)
    ) {
      this.#heldBegin = text;
      return Promise.resolve(BEGIN_RESULT);
    }
    const begin = this.#heldBegin;
    if (begin === undefined) return this.send(args);
    this.#heldBegin = undefined;
    // One write for both: the socket is corked while pg writes them (pg corks and uncorks per query;
    // corks nest, so nothing leaves before the outer uncork).
    const stream = (
      this as unknown as {
        connection?: { stream?: NodeJS.WritableStream & { cork?(): void; uncork?(): void } };
      }
    ).connection?.stream;
    stream?.cork?.();
    let began: Promise<unknown>;
    let result: unknown;
    try {
      began = super.query(begin, []) as Promise<unknown>;
      result = this.send(args);
    } finally {
      stream?.uncork?.();
    }
    if (!(result instanceof Promise)) {
      // A callback or a submittable query (Kysely sends neither): its outcome is its own.
      began.catch(() => {});
      return result;
    }
    return began.then(
      () => result,
      (error: unknown) => {
        (result as Promise<unknown>).catch(() => {});
        throw error;
      },
    );
  }

  /** Sends one query as asked (a subclass may name it first). */
  protected send(args: unknown[]): unknown {
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}

/** What pg answers for BEGIN, as Kysely's driver reads it (it reads nothing of it). */
const BEGIN_RESULT = Object.freeze({ command: 'BEGIN', rowCount: null, oid: null, rows: [], fields: [] });

/** How many statements one connection prepares at most; past it, new statements run unnamed. */
export const MAX_PREPARED_STATEMENTS_PER_CONNECTION = 500;

/** Statements worth preparing: plain DML and queries (never BEGIN/COMMIT/ROLLBACK, SET, DDL...). */
const PREPARABLE = /^\s*\(*\s*(select|insert|update|delete|with|merge|values)\b/i;

/**
 * A client that sends every parameterized query Kysely runs (`query(text, values)`) as a named prepared
 * statement: node-postgres parses it once per connection and PostgreSQL reuses the statement (and, after a
 * few executions, its plan). A name need only be unique on its connection, so each new text takes the next
 * number: a prepared query costs one map lookup of its text, nothing more. Anything else — a query config
 * object (cursors, streams), a callback, a statement without parameters (transaction control, DDL) — passes
 * through unchanged. At most `MAX_PREPARED_STATEMENTS_PER_CONNECTION` names per connection, so dynamic SQL
 * cannot grow the connection's memory (or the backend's) without bound.
 */
class PreparingClient extends PipeliningClient {
  /** Statement text -> its name, for the statements this connection prepares. */
  readonly #prepared = new Map<string, string>();

  // Every call shape goes through untouched except (text, values).
  protected override send(args: unknown[]): unknown {
    const [text, values] = args;
    if (args.length === 2 && typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = this.#nameFor(text);
      if (name) return super.send([{ name, text, values } satisfies pg.QueryConfig]);
    }
    return super.send(args);
  }

  /** The statement's name, or undefined when it is not worth preparing or the connection is at its cap. */
  #nameFor(text: string): string | undefined {
    const known = this.#prepared.get(text);
    if (known || this.#prepared.size >= MAX_PREPARED_STATEMENTS_PER_CONNECTION || !PREPARABLE.test(text)) {
      return known;
    }
    const name = `r_${this.#prepared.size}`;
    this.#prepared.set(text, name);
    return name;
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the database: a node-postgres Pool when `url` is given, otherwise embedded PGlite in
 * `dataDir`. PGlite is a single connection; its dialect queues transactions one after another.
 */
export function createDatabase(options: CreateDatabaseOptions = {}): Kysely<Database> {
  const { url } = options;
  if (url) {
    if (!isPostgresUrl(url)) {
      throw new Error(
        `database url must start with postgres:// or postgresql:// (got "${url.split(':')[0]}:")`,
      );
    }
    const pool = new pg.Pool({
      Client: (options.preparedStatements ?? true) ? PreparingClient : PipeliningClient,
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      lock_timeout: options.lockTimeoutMs ?? 5000,
      idle_in_transaction_session_timeout: 60_000,
    });
    // An idle client whose connection dies (server restart, terminated backend) must not crash the process;
    // the pool drops it and the next query gets a fresh one.
    pool.on('error', () => {});
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: options.log });
  }
  const dataDir = options.dataDir ?? '.data';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // pg_trgm serves member search (trigram indexes on names and emails); PGlite loads contrib extensions on request.
  const pglite = new PGlite(dataDir, { extensions: { pg_trgm } });
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite), log: options.log });
}
