import { createHash } from 'node:crypto';
import { createCaller, createContextInner } from '@roster/api';
import type { Database } from '@roster/db';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { uuidFor } from './ids';
import { leaveInput } from './roster';
import type { OpsScenario } from './seed';
import { processCpuMs } from './server-process';
import { round } from './stats';

export interface PreparedExperiment {
  operations: number;
  /** Database backend CPU per leave (createCaller), statements sent unnamed as Kysely does. */
  unpreparedDbMs: number;
  /** The same with every parameterized statement named (prepared once per connection, plan cached). */
  preparedDbMs: number;
  unpreparedClientMs: number;
  preparedClientMs: number;
}

type Query = (...args: unknown[]) => unknown;

/**
 * A pool whose clients name every statement after a hash of its text, so node-postgres prepares it once
 * per connection and PostgreSQL reuses the plan: what Roster's database work would cost with prepared
 * statements (a bench experiment: @roster/db does not do this).
 */
function preparingPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args: unknown[]) => {
      const [text, values] = args;
      if (args.length === 2 && typeof text === 'string' && Array.isArray(values) && values.length > 0) {
        const name = `k${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
        return query({ name, text, values });
      }
      return query(...args);
    };
  });
  return pool;
}

async function run(url: string, s: OpsScenario, from: number, n: number, prepared: boolean) {
  const pool = prepared ? preparingPool(url) : new pg.Pool({ connectionString: url, max: 1 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const leave = async (i: number) => {
      const caller = createCaller(
        createContextInner({
          db,
          caller: { type: 'user', userId: uuidFor(`${s.name}:member:${i}`), sessionId: null },
        }),
      ) as unknown as { members: { leave(input: unknown): Promise<unknown> } };
      await caller.members.leave(leaveInput(uuidFor(`${s.name}:org:${(i % s.orgs) + 1}`)));
    };
    for (let i = from; i < from + 5; i++) await leave(i);
    const { rows } = await pool.query('select pg_backend_pid() as pid');
    const pid = rows[0].pid as number;
    const db0 = processCpuMs(pid);
    const c0 = process.cpuUsage();
    for (let i = from + 5; i < from + 5 + n; i++) await leave(i);
    const c = process.cpuUsage(c0);
    const db1 = processCpuMs(pid);
    return {
      dbMs: db0 !== undefined && db1 !== undefined ? round((db1 - db0) / n, 3) : Number.NaN,
      clientMs: round((c.user + c.system) / 1000 / n, 3),
    };
  } finally {
    await db.destroy();
  }
}

/** `n` sequential leaves each way (ops `from`.. of scenario `s`, two disjoint ranges of n + 5). */
export async function measurePreparedStatements(
  url: string,
  s: OpsScenario,
  from: number,
  n: number,
): Promise<PreparedExperiment> {
  const unprepared = await run(url, s, from, n, false);
  const prepared = await run(url, s, from + n + 5, n, true);
  return {
    operations: n,
    unpreparedDbMs: unprepared.dbMs,
    preparedDbMs: prepared.dbMs,
    unpreparedClientMs: unprepared.clientMs,
    preparedClientMs: prepared.clientMs,
  };
}
