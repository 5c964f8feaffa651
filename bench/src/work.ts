import { endMembership } from '@roster/api';
import type { Database } from '@roster/db';
import { startRoundTripCounter } from '@roster/db/testing';
import { buildServer } from '@roster/server';
import type { Kysely, LogEvent } from 'kysely';
import { openDatabase } from './database';
import { uuidFor } from './ids';
import { actorOf, operationInput, opOrganizationId } from './ops';
import { RawSqlWorker } from './raw-sql';
import { callerAs, leaveInput, SESSION_COOKIE } from './roster';
import type { OpsScenario } from './seed';
import { seededToken } from './seed';

export interface StatementLog {
  sql: string;
  kind: string;
}

export interface WorkCount {
  operation: 'leave' | 'remove';
  /**
   * Round trips to PostgreSQL, counted on the wire (`startRoundTripCounter`: how many times the server
   * had answered and the client sent again). A transaction's BEGIN goes out with its first statement
   * (`@roster/db` pipelines it), so this is one less than the statements with BEGIN and COMMIT.
   */
  roundTrips: number;
  /** Statements other than BEGIN/COMMIT/ROLLBACK. */
  statements: number;
  transactions: number;
  /** Statements inside the transaction (BEGIN..COMMIT exclusive). */
  statementsInTransaction: number;
  log: StatementLog[];
}

function kindOf(sql: string): string {
  const s = sql.trim().replace(/\s+/g, ' ').toLowerCase();
  if (/^(begin|start transaction)/.test(s)) return 'BEGIN';
  if (s.startsWith('commit')) return 'COMMIT';
  if (s.startsWith('rollback')) return 'ROLLBACK';
  const verb = s.split(' ')[0]!.toUpperCase();
  const table = /(?:from|update|into)\s+"?([a-z_]+)"?/.exec(s)?.[1] ?? (verb === 'WITH' ? 'cte' : '?');
  const lock = /for (no key update|update|share|key share)/.exec(s)?.[0].toUpperCase();
  return `${verb} ${table}${lock ? ` ${lock}` : ''}`;
}

export function countWork(operation: 'leave' | 'remove', events: LogEvent[], roundTrips: number): WorkCount {
  const log = events.map((e) => ({ sql: e.query.sql, kind: kindOf(e.query.sql) }));
  let inTx = false;
  let statementsInTransaction = 0;
  for (const l of log) {
    if (l.kind === 'BEGIN') inTx = true;
    else if (l.kind === 'COMMIT' || l.kind === 'ROLLBACK') inTx = false;
    else if (inTx) statementsInTransaction++;
  }
  return {
    operation,
    roundTrips,
    statements: log.filter((l) => !['BEGIN', 'COMMIT', 'ROLLBACK'].includes(l.kind)).length,
    transactions: log.filter((l) => l.kind === 'BEGIN').length,
    statementsInTransaction,
    log,
  };
}

type Server = Awaited<ReturnType<typeof buildServer>>;

/** A cookie-authenticated tRPC mutation through `inject` (in-process, no socket); throws unless HTTP 200. */
async function injectMutation(app: Server, path: string, token: string, input: unknown) {
  const res = await app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { cookie: `${SESSION_COOKIE}=${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(input),
  });
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode} ${res.body}`);
}

/**
 * A one-connection database whose Kysely `log` keeps the statements of the current `record` call only,
 * connected through a round-trip counter (a TCP proxy in this process) that counts them on the wire.
 */
async function recordingDatabase(url: string) {
  const events: LogEvent[] = [];
  let recording = false;
  const counter = await startRoundTripCounter(url);
  const db = openDatabase(counter.url, {
    max: 1,
    log: (e) => {
      if (recording) events.push(e);
    },
  });
  const record = async (operation: 'leave' | 'remove', call: () => Promise<unknown>): Promise<WorkCount> => {
    events.length = 0;
    counter.reset();
    recording = true;
    try {
      await call();
    } finally {
      recording = false;
    }
    return countWork(operation, events, counter.roundTrips());
  };
  const close = async () => {
    await db.destroy();
    await counter.close();
  };
  return { db, record, close };
}

/**
 * Operations `first` and `first + 1` of each kind, leave then remove: the first call of each warms the
 * pool and caches; the second is the one counted.
 */
async function countLeaveAndRemove(
  first: number,
  run: (operation: 'leave' | 'remove', i: number) => Promise<WorkCount>,
): Promise<{ leave: WorkCount; remove: WorkCount }> {
  await run('leave', first);
  const leave = await run('leave', first + 1);
  await run('remove', first);
  const remove = await run('remove', first + 1);
  return { leave, remove };
}

/**
 * One leave and one removal through `createCaller` (the procedure, its guards and the service, without
 * HTTP or authentication), on a database whose Kysely `log` records every statement and whose round trips
 * are counted on the wire.
 */
export async function measureWork(
  url: string,
  leave: OpsScenario,
  remove: OpsScenario,
): Promise<{ leave: WorkCount; remove: WorkCount }> {
  const { db, record, close } = await recordingDatabase(url);
  try {
    return await countLeaveAndRemove(0, (operation, i) => {
      const s = operation === 'leave' ? leave : remove;
      const caller = callerAs(db, actorOf(s, i).userId);
      return record(operation, () => caller.members[operation](operationInput(s, i)));
    });
  } finally {
    await close();
  }
}

/**
 * The same over HTTP, in-process (`buildServer` + `inject`, no socket): what one request costs the
 * database with authentication (the session lookup) and everything else the server does.
 */
export async function measureHttpWork(
  url: string,
  leave: OpsScenario,
  remove: OpsScenario,
): Promise<{ leave: WorkCount; remove: WorkCount }> {
  const { db, record, close } = await recordingDatabase(url);
  const app = await buildServer({ db, logLevel: 'silent', rateLimit: false });
  try {
    return await countLeaveAndRemove(2, (operation, i) => {
      const s = operation === 'leave' ? leave : remove;
      const token = actorOf(s, i).token;
      const input = operationInput(s, i);
      return record(operation, () => injectMutation(app, `members.${operation}`, token, input));
    });
  } finally {
    await app.close();
    await close();
  }
}

export interface InProcessCpu {
  operations: number;
  /** CPU (user + system) of this process per leave through createCaller: tRPC, guards, service, Kysely, pg. */
  createCallerLeaveMs: number;
  /** The service alone (`endMembership`: the transaction, Kysely, pg), without tRPC, guards or the access check. */
  serviceLeaveMs: number;
  /** The same through the whole server in-process (`inject`: Fastify, cookie, rate limit, authentication). */
  injectLeaveMs: number;
  /** The raw-SQL limit's client side per leave (node-postgres, prepared statements). */
  rawLeaveMs: number;
}

function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Where the server's CPU goes, measured in this process with nothing else in it: `n` sequential leaves
 * through createCaller, `n` through the service alone, `n` through `inject`, then `n` raw-SQL leaves
 * (ops `from`.. of scenario `s`, four disjoint ranges). The database's own CPU is not in these figures.
 */
export async function measureInProcessCpu(
  url: string,
  s: OpsScenario,
  from: number,
  n: number,
): Promise<InProcessCpu> {
  const db: Kysely<Database> = openDatabase(url, { max: 1 });
  const app = await buildServer({ db, logLevel: 'silent', rateLimit: { max: 1e8 } });
  const raw = await RawSqlWorker.connect(url);
  const org = (i: number) => opOrganizationId(s, i);
  const user = (i: number) => uuidFor(`${s.name}:member:${i}`);
  try {
    const timed = async (start: number, fn: (i: number) => Promise<void>) => {
      // A few unmeasured first (JIT, connection), then n measured.
      for (let i = start; i < start + 5; i++) await fn(i);
      const t0 = cpuNowMs();
      for (let i = start + 5; i < start + 5 + n; i++) await fn(i);
      return Math.round(((cpuNowMs() - t0) / n) * 1000) / 1000;
    };
    const span = n + 5;
    const createCallerLeaveMs = await timed(from, async (i) => {
      await callerAs(db, user(i)).members.leave(leaveInput(org(i)));
    });
    const serviceLeaveMs = await timed(from + span, async (i) => {
      const membershipId = uuidFor(`${s.name}:m:member:${i}`);
      await endMembership(db, {
        organizationId: org(i),
        actor: { type: 'user', userId: user(i) },
        membershipId,
        kind: 'leave',
      });
    });
    const injectLeaveMs = await timed(from + 2 * span, (i) =>
      injectMutation(app, 'members.leave', seededToken(s.name, 'member', i), leaveInput(org(i))),
    );
    const rawLeaveMs = await timed(from + 3 * span, (i) =>
      raw.run({
        organizationId: org(i),
        actorUserId: user(i),
        targetUserId: user(i),
        targetMembershipId: uuidFor(`${s.name}:m:member:${i}`),
      }),
    );
    return { operations: n, createCallerLeaveMs, serviceLeaveMs, injectLeaveMs, rawLeaveMs };
  } finally {
    await raw.close();
    await app.close();
    await db.destroy();
  }
}
