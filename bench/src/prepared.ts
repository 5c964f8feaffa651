import { createDatabase } from '@roster/db';
import { sql } from 'kysely';
import { uuidFor } from './ids';
import { opOrganizationId } from './ops';
import { callerAs, leaveInput } from './roster';
import type { OpsScenario } from './seed';
import { processCpuMs } from './server-process';
import { round } from './stats';

export interface PreparedExperiment {
  operations: number;
  /** Database backend CPU per leave (createCaller), statements sent unnamed (`preparedStatements: false`). */
  unpreparedDbMs: number;
  /** The same as `@roster/db` runs by default: every statement prepared once per connection, plan reused. */
  preparedDbMs: number;
  unpreparedClientMs: number;
  preparedClientMs: number;
}

async function run(url: string, s: OpsScenario, from: number, n: number, prepared: boolean) {
  // One connection, so the backend measured is the one that runs every leave.
  const db = createDatabase({ url, maxConnections: 1, preparedStatements: prepared });
  try {
    const leave = async (i: number) => {
      await callerAs(db, uuidFor(`${s.name}:member:${i}`)).members.leave(leaveInput(opOrganizationId(s, i)));
    };
    for (let i = from; i < from + 5; i++) await leave(i);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    const pid = rows[0]!.pid;
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
