import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, migrateToLatest } from '@roster/db';
import { withAdminClient, withDatabase } from '@roster/db/testing';
import { type Kysely, type LogConfig, sql } from 'kysely';
import pg from 'pg';
import { BENCH_UUID_FUNCTION } from './ids';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A database of the bench's own (`roster_bench_<random>`), migrated; `drop()` removes it. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const name = `roster_bench_${randomBytes(5).toString('hex')}`;
  await withAdminClient(baseUrl, (c) => c.query(`create database ${name}`));
  const url = withDatabase(baseUrl, name);
  const db = createDatabase({ url, maxConnections: 1 });
  try {
    await migrateToLatest(db);
    await sql.raw(BENCH_UUID_FUNCTION).execute(db);
  } finally {
    await db.destroy();
  }
  return {
    name,
    url,
    drop: async () => {
      await withAdminClient(baseUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export function openDatabase(url: string, options: { max?: number; log?: LogConfig } = {}): Kysely<Database> {
  return createDatabase({
    url,
    maxConnections: options.max ?? 4,
    log: options.log,
    statementTimeoutMs: 30 * 60_000,
  });
}

export async function postgresVersion(url: string): Promise<string> {
  return withAdminClient(url, async (c) => (await c.query('show server_version')).rows[0].server_version);
}

const SETTINGS = [
  'shared_buffers',
  'synchronous_commit',
  'fsync',
  'max_connections',
  'work_mem',
  'jit',
  'autovacuum',
];

/** The server settings that shape these figures, recorded with them. */
export async function postgresSettings(url: string): Promise<Record<string, string>> {
  return withAdminClient(url, async (c) => {
    const { rows } = await c.query(
      `select name, setting || coalesce(' ' || unit, '') as value from pg_settings where name = any($1)`,
      [SETTINGS],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  });
}

/** Connects, waiting out "too many clients" (other processes share the server) for up to 30 s. */
export async function connectWithRetry(config: pg.ClientConfig): Promise<pg.Client> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client(config);
    try {
      await client.connect();
      // A connection terminated under it (the database dropped on Ctrl-C) must not crash the process.
      client.on('error', () => {});
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline || (error as { code?: string }).code !== '53300') throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
