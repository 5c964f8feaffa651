import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { type CreateDatabaseOptions, createDatabase, type DatabaseKind } from './create-database';
import { migrateToLatest, migrationsFingerprint } from './migrate';
import type { Database } from './schema';

export interface TestDatabase {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** The connection URL of this test's own database (Postgres only), e.g. to start a server on it. */
  url: string | undefined;
  destroy(): Promise<void>;
}

/**
 * A migrated database of its own for one test file.
 *
 * - Without `DATABASE_URL`: a fresh in-memory PGlite instance (3-4 s to start, so share one per file
 *   and isolate tests with fresh organizations and users).
 * - With `DATABASE_URL`: a new database cloned from a migrated template (`CREATE DATABASE ... TEMPLATE`),
 *   dropped again by `destroy()`. The template is named after the migrations' fingerprint and built once,
 *   under an advisory lock, by whichever test process gets there first.
 */
export async function createTestDatabase(
  options: Pick<CreateDatabaseOptions, 'log' | 'maxConnections' | 'lockTimeoutMs'> & { url?: string } = {},
): Promise<TestDatabase> {
  const baseUrl = options.url ?? process.env.DATABASE_URL;
  if (!baseUrl) {
    const db = createDatabase({ dataDir: 'memory://', log: options.log });
    await migrateToLatest(db);
    return { db, kind: 'pglite', url: undefined, destroy: () => db.destroy() };
  }

  const template = await ensureTemplate(baseUrl);
  const name = `roster_t_${randomBytes(6).toString('hex')}`;
  await withAdminClient(baseUrl, (client) => client.query(`create database ${name} template ${template}`));
  const url = withDatabase(baseUrl, name);
  const db = createDatabase({
    url,
    log: options.log,
    maxConnections: options.maxConnections ?? 20,
    lockTimeoutMs: options.lockTimeoutMs,
    // Waiting for a pooled connection is waiting for readiness, not a measurement: on a loaded machine
    // (200 concurrent leaves queued behind one organization lock) the 5 s default is not enough.
    connectionTimeoutMs: 120_000,
  });
  return {
    db,
    kind: 'postgres',
    url,
    destroy: async () => {
      await db.destroy();
      await withAdminClient(baseUrl, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      );
    },
  };
}

/** `url` pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on a connection of its own to `url` (e.g. to create or drop a database), closed afterwards. */
export async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureTemplate(baseUrl: string): Promise<string> {
  const template = `roster_tpl_${migrationsFingerprint()}`;
  await withAdminClient(baseUrl, async (client) => {
    await client.query(`select pg_advisory_lock(hashtext('roster_test_template'))`);
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [template]);
      if (rowCount) return;
      // Templates of older migrations are of no further use.
      const stale = await client.query(
        `select datname from pg_database where datname like 'roster_tpl_%' and datname <> $1`,
        [template],
      );
      for (const row of stale.rows) {
        await client.query(`drop database if exists ${row.datname} with (force)`).catch(() => {});
      }
      const building = `${template}_building`;
      await client.query(`drop database if exists ${building} with (force)`);
      await client.query(`create database ${building}`);
      const db = createDatabase({ url: withDatabase(baseUrl, building), maxConnections: 1 });
      try {
        await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
      await client.query(`alter database ${building} rename to ${template}`);
    } finally {
      await client.query(`select pg_advisory_unlock(hashtext('roster_test_template'))`);
    }
  });
  return template;
}

export { type RoundTripCounter, startRoundTripCounter } from './round-trips';
