import type pg from 'pg';
import { HttpClient, trpcMutation } from './http';
import { uuidFor } from './ids';
import { peerOperation } from './peer';
import { RawSqlWorker } from './raw-sql';
import { leaveInput, removeInput, sessionHeaders } from './roster';
import { type OpsScenario, orgNumberOf, seededToken } from './seed';
import { type LatencySummary, round, runClosedLoop, summarize } from './stats';

export interface OpsPlan {
  levels: number[];
  /** Unmeasured operations run at each level first (connections, JIT, caches). */
  warmup: number;
  /** Measured operations per level. */
  measured: Record<number, number>;
  orgs: number;
}

export interface LevelRange {
  concurrency: number;
  /** 0-based; the sides compared with the peer run several rounds per level, alternately. */
  round: number;
  warmupStart: number;
  start: number;
  end: number;
}

/** The operation indices of each level (and round within it): warmup, then measured, one after another. */
export function levelRanges(plan: OpsPlan, rounds = 1): LevelRange[] {
  let at = 0;
  return plan.levels.flatMap((c) =>
    Array.from({ length: rounds }, (_, round) => {
      const warmupStart = at;
      const start = at + plan.warmup;
      const end = start + (plan.measured[c] ?? 0);
      at = end;
      return { concurrency: c, round, warmupStart, start, end };
    }),
  );
}

export function totalOps(plan: OpsPlan, rounds = 1): number {
  return levelRanges(plan, rounds).at(-1)?.end ?? 0;
}

/** `roster http` and `peer http` (better-auth) are the two sides compared, each run `rounds` times. */
export type Driver = 'http' | 'raw' | 'raw-unprepared' | 'peer';

export interface OpsResult {
  kind: 'leave' | 'remove';
  driver: Driver;
  concurrency: number;
  ops: number;
  errors: number;
  opsPerSec: number;
  latencyMs: LatencySummary;
  /** CPU time (user + system) the server process spent per measured operation; HTTP runs only, Linux only. */
  serverCpuMsPerOp?: number;
  /** CPU time the PostgreSQL backends serving the run spent per measured operation (Linux, local server). */
  databaseCpuMsPerOp?: number;
  firstErrors: string[];
  /** Sides run in rounds: the figures above are medians over the rounds; ops/s of each round here. */
  roundsOpsPerSec?: number[];
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return 0;
  return n % 2 ? v[(n - 1) / 2]! : round((v[n / 2 - 1]! + v[n / 2]!) / 2, 3);
}

/** One row for a side run in rounds: the median of each figure over the rounds (ops and errors summed). */
export function medianOfRounds(rows: OpsResult[]): OpsResult {
  const first = rows[0]!;
  const m = (f: (r: OpsResult) => number | undefined) => {
    const v = rows.map(f).filter((x): x is number => x !== undefined);
    return v.length ? median(v) : undefined;
  };
  const serverCpu = m((r) => r.serverCpuMsPerOp);
  const dbCpu = m((r) => r.databaseCpuMsPerOp);
  return {
    kind: first.kind,
    driver: first.driver,
    concurrency: first.concurrency,
    ops: rows.reduce((a, r) => a + r.ops, 0),
    errors: rows.reduce((a, r) => a + r.errors, 0),
    opsPerSec: m((r) => r.opsPerSec)!,
    latencyMs: {
      count: rows.reduce((a, r) => a + r.latencyMs.count, 0),
      p50: m((r) => r.latencyMs.p50)!,
      p90: m((r) => r.latencyMs.p90)!,
      p99: m((r) => r.latencyMs.p99)!,
      max: Math.max(...rows.map((r) => r.latencyMs.max)),
      mean: m((r) => r.latencyMs.mean)!,
    },
    ...(serverCpu !== undefined ? { serverCpuMsPerOp: serverCpu } : {}),
    ...(dbCpu !== undefined ? { databaseCpuMsPerOp: dbCpu } : {}),
    firstErrors: rows.flatMap((r) => r.firstErrors).slice(0, 3),
    roundsOpsPerSec: rows.map((r) => r.opsPerSec),
  };
}

/** CPU counters sampled around a measured run: the server process and each database backend (by pid). */
export interface CpuSample {
  server?: number | undefined;
  backends?: Map<number, number>;
}

export type CpuSampler = () => Promise<CpuSample>;

function databaseCpuDelta(before: CpuSample, after: CpuSample): number | undefined {
  if (!before.backends || !after.backends || before.backends.size === 0) return undefined;
  let total = 0;
  for (const [pid, ms] of after.backends) {
    const was = before.backends.get(pid);
    total += was === undefined ? ms : ms - was;
  }
  return total;
}

/** Which operations of a scenario went through (their memberships must be the only ones changed). */
export class Executed {
  readonly ok = new Set<number>();
}

export function opOrganizationId(s: OpsScenario, i: number): string {
  return uuidFor(`${s.name}:org:${orgNumberOf(s, i)}`);
}

/** The member operation `i` of `s` ends: the leaver, or the one the admin removes. */
export function targetOf(s: OpsScenario, i: number) {
  return { userId: uuidFor(`${s.name}:member:${i}`), membershipId: uuidFor(`${s.name}:m:member:${i}`) };
}

/** Who acts in operation `i` of `s`: the leaver, or the admin who removes. */
export function actorOf(s: OpsScenario, i: number) {
  return s.kind === 'leave'
    ? { userId: uuidFor(`${s.name}:member:${i}`), token: seededToken(s.name, 'member', i) }
    : { userId: uuidFor(`${s.name}:admin:${i}`), token: seededToken(s.name, 'admin', i) };
}

/** The `members.leave` or `members.remove` input of operation `i` of `s`. */
export function operationInput(s: OpsScenario, i: number): unknown {
  const organizationId = opOrganizationId(s, i);
  return s.kind === 'leave'
    ? leaveInput(organizationId)
    : removeInput(organizationId, targetOf(s, i).membershipId);
}

async function runRange(
  s: OpsScenario,
  driver: Driver,
  range: LevelRange,
  executed: Executed,
  op: (i: number, worker: number) => Promise<void>,
  sampleCpu?: CpuSampler,
): Promise<OpsResult> {
  const c = range.concurrency;
  const wrapped = async (i: number, w: number) => {
    await op(i, w);
    executed.ok.add(i);
  };
  await runClosedLoop(range.start - range.warmupStart, c, (k, w) => wrapped(range.warmupStart + k, w));
  const n = range.end - range.start;
  const cpuBefore = await sampleCpu?.();
  const { latencies, errors, wallMs } = await runClosedLoop(n, c, (k, w) => wrapped(range.start + k, w));
  const cpuAfter = await sampleCpu?.();
  const serverCpu =
    cpuBefore?.server !== undefined && cpuAfter?.server !== undefined
      ? cpuAfter.server - cpuBefore.server
      : undefined;
  const dbCpu = cpuBefore && cpuAfter ? databaseCpuDelta(cpuBefore, cpuAfter) : undefined;
  return {
    kind: s.kind,
    driver,
    concurrency: c,
    ops: n,
    errors: errors.length,
    opsPerSec: round(((n - errors.length) / wallMs) * 1000, 1),
    latencyMs: summarize(latencies),
    ...(serverCpu !== undefined && n > 0 ? { serverCpuMsPerOp: round(serverCpu / n, 3) } : {}),
    ...(dbCpu !== undefined && n > 0 ? { databaseCpuMsPerOp: round(dbCpu / n, 3) } : {}),
    firstErrors: errors.slice(0, 3).map((e) => e.message),
  };
}

/** Leave or remove over HTTP against the server process, each call a distinct seeded person. */
export async function runHttpLevel(
  baseUrl: string,
  s: OpsScenario,
  range: LevelRange,
  executed: Executed,
  sampleCpu?: CpuSampler,
): Promise<OpsResult> {
  const client = new HttpClient(baseUrl, range.concurrency);
  try {
    return await runRange(
      s,
      'http',
      range,
      executed,
      async (i) => {
        await trpcMutation(
          client,
          `members.${s.kind}`,
          operationInput(s, i),
          sessionHeaders(actorOf(s, i).token, baseUrl),
        );
      },
      sampleCpu,
    );
  } finally {
    client.close();
  }
}

/** The same operations against the peer (better-auth) over HTTP, each call a distinct seeded session. */
export async function runPeerLevel(
  baseUrl: string,
  s: OpsScenario,
  range: LevelRange,
  executed: Executed,
  sampleCpu?: CpuSampler,
): Promise<OpsResult> {
  const client = new HttpClient(baseUrl, range.concurrency);
  try {
    return await runRange(
      s,
      'peer',
      range,
      executed,
      async (i) => {
        await peerOperation(client, baseUrl, s, i);
      },
      sampleCpu,
    );
  } finally {
    client.close();
  }
}

/** The same operations as raw SQL on node-postgres: one connection per concurrent caller. */
export async function runRawLevel(
  url: string,
  s: OpsScenario,
  range: LevelRange,
  executed: Executed,
  sampleCpu?: CpuSampler,
  unprepared = false,
): Promise<OpsResult> {
  const workers = await Promise.all(
    Array.from({ length: range.concurrency }, () => RawSqlWorker.connect(url, unprepared)),
  );
  try {
    return await runRange(
      s,
      unprepared ? 'raw-unprepared' : 'raw',
      range,
      executed,
      async (i, w) => {
        await workers[w]!.run({
          organizationId: opOrganizationId(s, i),
          actorUserId: actorOf(s, i).userId,
          targetUserId: targetOf(s, i).userId,
          targetMembershipId: targetOf(s, i).membershipId,
        });
      },
      sampleCpu,
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

export interface Verification {
  scenario: string;
  expectedChanged: number;
  removedMemberships: number;
  removedExpected: number;
  auditRows: number;
  outboxEvents: number;
  sessionPointersLeft: number;
  ok: boolean;
}

/**
 * Afterwards, in SQL: exactly the memberships of the operations that succeeded are removed (with the
 * right reason), nothing else in the scenario's organizations changed, and each has its audit row and
 * its `member.removed` outbox event, and the sessions of the people who left no longer point at the organization.
 */
export async function verifyScenario(
  client: pg.Client,
  s: OpsScenario,
  executed: Executed,
): Promise<Verification> {
  const ids = [...executed.ok].map((i) => targetOf(s, i).membershipId);
  const reason = s.kind === 'leave' ? 'left' : 'removed';
  const action = s.kind === 'leave' ? 'member.left' : 'member.removed';
  const orgs = `select id from organizations where slug like $1 || '-o%'`;
  const one = async (text: string, values: unknown[]) => Number((await client.query(text, values)).rows[0].n);
  const removedMemberships = await one(
    `select count(*)::int n from memberships where organization_id in (${orgs}) and status <> 'active'`,
    [s.name],
  );
  const removedExpected = await one(
    `select count(*)::int n from memberships where id = any($1::uuid[]) and status = 'removed' and removal_reason = $2`,
    [ids, reason],
  );
  const auditRows = await one(
    `select count(*)::int n from audit_log
     where organization_id in (${orgs}) and action = $2 and target_membership_id = any($3::uuid[])`,
    [s.name, action, ids],
  );
  const outboxEvents = await one(
    `select count(*)::int n from outbox_events
     where organization_id in (${orgs}) and type = 'member.removed' and payload->>'membershipId' = any($2::text[])`,
    [s.name, ids],
  );
  const sessionPointersLeft = await one(
    `select count(*)::int n from sessions s join memberships m on m.user_id = s.user_id
     where m.id = any($1::uuid[]) and s.active_organization_id = m.organization_id`,
    [ids],
  );
  const n = ids.length;
  return {
    scenario: s.name,
    expectedChanged: n,
    removedMemberships,
    removedExpected,
    auditRows,
    outboxEvents,
    sessionPointersLeft,
    ok:
      removedMemberships === n &&
      removedExpected === n &&
      auditRows === n &&
      outboxEvents === n &&
      sessionPointersLeft === 0,
  };
}

export interface BaselineResult {
  what: string;
  concurrency: number;
  requests: number;
  opsPerSec: number;
  latencyMs: LatencySummary;
  serverCpuMsPerOp?: number;
}

/**
 * The floor of the HTTP stack: GET /healthz (Fastify, no tRPC, no database) with the same client and
 * concurrency, so the server CPU per leave can be read against what any request costs.
 */
export async function runBaseline(
  baseUrl: string,
  concurrency: number,
  requests: number,
  sampleCpu?: CpuSampler,
): Promise<BaselineResult> {
  const client = new HttpClient(baseUrl, concurrency);
  try {
    const get = async () => {
      const res = await client.request('GET', '/healthz', {});
      if (res.status !== 200) throw new Error(`/healthz: HTTP ${res.status}`);
    };
    await runClosedLoop(Math.min(200, requests), concurrency, get);
    const before = await sampleCpu?.();
    const { latencies, errors, wallMs } = await runClosedLoop(requests, concurrency, get);
    const after = await sampleCpu?.();
    if (errors.length > 0) throw new Error(`baseline: ${errors[0]!.message}`);
    return {
      what: 'GET /healthz',
      concurrency,
      requests,
      opsPerSec: round((requests / wallMs) * 1000, 1),
      latencyMs: summarize(latencies),
      ...(before?.server !== undefined && after?.server !== undefined
        ? { serverCpuMsPerOp: round((after.server - before.server) / requests, 3) }
        : {}),
    };
  } finally {
    client.close();
  }
}
