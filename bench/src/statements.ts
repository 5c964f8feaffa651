import { existsSync, readFileSync, statSync } from 'node:fs';
import type pg from 'pg';
import { Executed, runHttpLevel } from './ops';
import { SERVER_BENCH_ENV } from './roster';
import type { OpsScenario } from './seed';
import { type ServerMode, startServerProcess } from './server-process';
import { round } from './stats';

/**
 * Where PostgreSQL's time per operation goes, statement by statement: the bench database is set to
 * `log_min_duration_statement = 0` (that database only, reset afterwards), a server process of its own
 * runs sequential operations over HTTP (one caller), and the server log is read back: the parse, bind
 * and execute durations of each statement (simple-protocol statements such as BEGIN and COMMIT as one
 * `statement` line). Durations are wall time inside the backend (on a busy machine, waiting for a core
 * counts too; COMMIT includes the WAL flush). Needs a local PostgreSQL whose log file the bench can read
 * (`--postgres-log`, default Debian's /var/log/postgresql/postgresql-<major>-main.log, with
 * `log_line_prefix` containing `%d`, as Debian's default `%m [%p] %q%u@%d ` does).
 */
export interface StatementTimes {
  kind: 'leave' | 'remove';
  operations: number;
  /** Sum of the logged durations per operation (ms). */
  totalMsPerOp: number;
  rows: { phase: string; statement: string; perOp: number; msPerOp: number }[];
}

export function defaultPostgresLog(serverVersion: string): string {
  const major = /^(\d+)/.exec(serverVersion)?.[1] ?? '15';
  return `/var/log/postgresql/postgresql-${major}-main.log`;
}

const LINE =
  /@(\S+) LOG: {2}duration: ([\d.]+) ms {2}(parse|bind|execute|statement)[^:]*: ([^\n]*(?:\n\t[^\n]*){0,8})/g;

export async function measureStatementTimes(options: {
  client: pg.Client;
  database: string;
  url: string;
  scenario: OpsScenario;
  warmup: number;
  operations: number;
  serverMode: ServerMode;
  logFile: string;
}): Promise<StatementTimes> {
  const { client, database, scenario: s, warmup, operations, logFile } = options;
  if (!existsSync(logFile))
    throw new Error(`statements: cannot read the PostgreSQL log ${logFile} (--postgres-log)`);
  await client.query(`alter database ${database} set log_min_duration_statement = 0`);
  // The statements' text only: no parameter values (session token hashes among them) in the server log.
  await client.query(`alter database ${database} set log_parameter_max_length = 0`);
  // New connections (the server's pool) pick the setting up.
  const server = await startServerProcess({
    env: { ...SERVER_BENCH_ENV, DATABASE_URL: options.url },
    mode: options.serverMode,
  });
  let text = '';
  try {
    await runHttpLevel(
      server.url,
      s,
      { concurrency: 1, round: 0, warmupStart: 0, start: warmup, end: warmup },
      new Executed(),
    );
    const offset = statSync(logFile).size;
    await runHttpLevel(
      server.url,
      s,
      { concurrency: 1, round: 0, warmupStart: warmup, start: warmup, end: warmup + operations },
      new Executed(),
    );
    // The server log is written asynchronously by the backends; give it a moment to land.
    await new Promise((r) => setTimeout(r, 500));
    text = readFileSync(logFile, 'utf8').slice(offset);
  } finally {
    await server.stop();
    await client.query(`alter database ${database} reset log_min_duration_statement`);
    await client.query(`alter database ${database} reset log_parameter_max_length`);
  }
  const rows = new Map<string, { phase: string; statement: string; n: number; ms: number }>();
  let total = 0;
  for (const m of text.matchAll(LINE)) {
    if (m[1] !== database) continue;
    const phase = m[3]!;
    const statement = m[4]!.replace(/\s+/g, ' ').trim().slice(0, 400);
    const key = `${phase} ${statement}`;
    const row = rows.get(key) ?? { phase, statement, n: 0, ms: 0 };
    row.n++;
    row.ms += Number(m[2]);
    total += Number(m[2]);
    rows.set(key, row);
  }
  return {
    kind: s.kind,
    operations,
    totalMsPerOp: round(total / operations, 3),
    rows: [...rows.values()]
      .sort((a, b) => b.ms - a.ms)
      .map((r) => ({
        phase: r.phase,
        statement: r.statement,
        perOp: round(r.n / operations, 2),
        msPerOp: round(r.ms / operations, 3),
      })),
  };
}
