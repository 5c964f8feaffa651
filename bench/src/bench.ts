import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import type pg from 'pg';
import { connectWithRetry, createBenchDatabase, postgresSettings, postgresVersion } from './database';
import { measureEmbeddedStart } from './embedded';
import { type ListResult, measureList } from './lists';
import { machineInfo, versions } from './machine';
import {
  type CpuSample,
  Executed,
  levelRanges,
  type OpsPlan,
  type OpsResult,
  runBaseline,
  runHttpLevel,
  runRawLevel,
  totalOps,
  type Verification,
  verifyScenario,
} from './ops';
import { measurePreparedStatements } from './prepared';
import { summarizeCpuProfile } from './profile';
import { type BenchResults, formatReport } from './report';
import { SERVER_BENCH_ENV } from './roster';
import { type OpsScenario, seedListOrganization, seedListUsers, seedOpsScenario } from './seed';
import { processCpuMs, type ServerMode, type ServerProcess, startServerProcess } from './server-process';
import { nowMs, round } from './stats';
import { measureHttpWork, measureInProcessCpu, measureWork } from './work';

export type Section = 'ops' | 'work' | 'lists' | 'start';

/** What to undo if the run is interrupted (Ctrl-C): stop the server, drop the database. */
export const interruptCleanups = new Set<() => Promise<void>>();
export const SECTIONS: Section[] = ['ops', 'work', 'lists', 'start'];

export interface BenchOptions {
  databaseUrl: string;
  sections: Section[];
  plan: OpsPlan;
  listSizes: number[];
  listRequests: number;
  restarts: number;
  /** Sequential leaves per variant in the in-process CPU breakdown. */
  cpuOps: number;
  serverMode: ServerMode;
  keepDatabase: boolean;
  /** Where to write the JSON results; undefined: do not write. */
  out: string | undefined;
  conditions: string;
  /** Profile the server under load (`node --cpu-prof`) and summarise where its CPU time goes. */
  profileDir?: string;
  /** Extra environment for the embedded-start server (the smoke test turns the demo seed off). */
  embeddedEnv?: Record<string, string>;
  log: (line: string) => void;
}

export function quickPlan(): OpsPlan {
  return { levels: [1, 16, 64], warmup: 20, measured: { 1: 100, 16: 400, 64: 400 }, orgs: 200 };
}

export function fullPlan(): OpsPlan {
  return { levels: [1, 16, 64], warmup: 200, measured: { 1: 1000, 16: 4000, 64: 4000 }, orgs: 1000 };
}

export async function runBench(o: BenchOptions): Promise<BenchResults> {
  const started = new Date();
  const results: BenchResults = {
    date: started.toISOString(),
    conditions: o.conditions,
    machine: machineInfo(),
    versions: versions(needsPostgres(o) ? await postgresVersion(o.databaseUrl) : 'not used'),
    config: {
      sections: o.sections,
      plan: o.plan,
      listSizes: o.listSizes,
      listRequests: o.listRequests,
      restarts: o.restarts,
      serverMode: o.serverMode,
      serverEnv: SERVER_BENCH_ENV,
      postgresSettings: needsPostgres(o) ? await postgresSettings(o.databaseUrl) : undefined,
    },
    notes: [],
  };
  const has = (s: Section) => o.sections.includes(s);
  if (needsPostgres(o)) await runOnPostgres(o, results);
  if (has('start')) {
    results.embeddedStart = await measureEmbeddedStart(o.restarts, o.serverMode, o.embeddedEnv);
    o.log(`embedded start: ${results.embeddedStart.restartsMs.join(', ')} ms`);
  }

  results.aim = aim(results);
  results.machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.durationSeconds = Math.round((Date.now() - started.getTime()) / 1000);
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results;
}

function needsPostgres(o: BenchOptions): boolean {
  return o.sections.some((s) => s !== 'start');
}

async function runOnPostgres(o: BenchOptions, results: BenchResults): Promise<void> {
  const has = (s: Section) => o.sections.includes(s);
  const bench = await createBenchDatabase(o.databaseUrl);
  o.log(`database ${bench.name}`);
  let server: ServerProcess | undefined;
  const cleanup = async () => {
    await server?.stop().catch(() => {});
    if (!o.keepDatabase) await bench.drop().catch(() => {});
  };
  interruptCleanups.add(cleanup);
  const client = await connectWithRetry({ connectionString: bench.url, statement_timeout: 0 });
  try {
    // Seed everything first, so no measurement runs beside a bulk load or its autovacuum.
    const n = totalOps(o.plan);
    const scenarios: Record<string, OpsScenario> = {
      leaveHttp: { name: 'lh', kind: 'leave', orgs: o.plan.orgs, ops: n },
      leaveRaw: { name: 'lr', kind: 'leave', orgs: o.plan.orgs, ops: n },
      leaveUnprepared: { name: 'lu', kind: 'leave', orgs: o.plan.orgs, ops: n },
      removeHttp: { name: 'rh', kind: 'remove', orgs: o.plan.orgs, ops: n },
      removeRaw: { name: 'rr', kind: 'remove', orgs: o.plan.orgs, ops: n },
      removeUnprepared: { name: 'ru', kind: 'remove', orgs: o.plan.orgs, ops: n },
    };
    const workScenarios: Record<string, OpsScenario> = {
      leave: { name: 'wl', kind: 'leave', orgs: 2, ops: 4 },
      // Sequential leaves for the in-process CPU breakdown: four ranges of cpuOps + 5.
      cpu: { name: 'wc', kind: 'leave', orgs: 50, ops: 4 * (o.cpuOps + 5) },
      // The prepared-statements experiment: two ranges of cpuOps + 5.
      prepared: { name: 'wp', kind: 'leave', orgs: 50, ops: 2 * (o.cpuOps + 5) },
      remove: { name: 'wr', kind: 'remove', orgs: 2, ops: 4 },
    };
    let t = nowMs();
    if (has('ops')) for (const s of Object.values(scenarios)) await seedOpsScenario(client, s);
    if (has('work')) for (const s of Object.values(workScenarios)) await seedOpsScenario(client, s);
    if (has('ops') || has('work'))
      o.log(
        `seeded ${has('ops') ? `${Object.keys(scenarios).length} x ${n} operations` : 'work'} in ${Math.round(nowMs() - t)} ms`,
      );
    const listSeedMs: Record<number, number> = {};
    if (has('lists') && o.listSizes.length > 0) {
      t = nowMs();
      await seedListUsers(client, Math.max(...o.listSizes));
      const usersMs = nowMs() - t;
      for (const size of o.listSizes) {
        t = nowMs();
        await seedListOrganization(client, size);
        listSeedMs[size] = Math.round(nowMs() - t + (size === Math.max(...o.listSizes) ? usersMs : 0));
        o.log(`seeded a list organization of ${size} members in ${listSeedMs[size]} ms`);
      }
    }
    t = nowMs();
    await client.query('vacuum analyze');
    o.log(`vacuum analyze in ${Math.round(nowMs() - t)} ms`);

    if (has('work')) {
      results.work = {
        ...(await measureWork(bench.url, workScenarios.leave!, workScenarios.remove!)),
        http: await measureHttpWork(bench.url, workScenarios.leave!, workScenarios.remove!),
        cpu: await measureInProcessCpu(bench.url, workScenarios.cpu!, 0, o.cpuOps),
        prepared: await measurePreparedStatements(bench.url, workScenarios.prepared!, 0, o.cpuOps),
      };
      o.log(
        `work: leave ${results.work.leave.statements} statements / ${results.work.leave.transactions} transaction(s); remove ${results.work.remove.statements} / ${results.work.remove.transactions}`,
      );
    }

    if (has('ops') || has('lists')) {
      server = await startServerProcess({
        env: { ...SERVER_BENCH_ENV, DATABASE_URL: bench.url },
        mode: o.serverMode,
        nodeArgs: o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [],
      });
      o.log(`server (${o.serverMode}) ready at ${server.url} in ${Math.round(server.readyMs)} ms`);
    }

    if (has('ops') && server) {
      const opsResults: OpsResult[] = [];
      const executed = Object.fromEntries(Object.keys(scenarios).map((k) => [k, new Executed()]));
      for (const range of levelRanges(o.plan)) {
        for (const kind of ['leave', 'remove'] as const) {
          const raw = scenarios[`${kind}Raw`]!;
          const http = scenarios[`${kind}Http`]!;
          const r = await runRawLevel(bench.url, raw, range, executed[`${kind}Raw`]!, () =>
            sampleCpu(client, bench.name, undefined),
          );
          o.log(line(r));
          opsResults.push(r);
          const u = await runRawLevel(
            bench.url,
            scenarios[`${kind}Unprepared`]!,
            range,
            executed[`${kind}Unprepared`]!,
            () => sampleCpu(client, bench.name, undefined),
            true,
          );
          o.log(line(u));
          opsResults.push(u);
          const srv = server;
          const h = await runHttpLevel(server.url, http, range, executed[`${kind}Http`]!, () =>
            sampleCpu(client, bench.name, srv),
          );
          o.log(line(h));
          opsResults.push(h);
        }
      }
      const baselineLevel = o.plan.levels.includes(16) ? 16 : o.plan.levels.at(-1)!;
      const srv = server;
      const baseline = await runBaseline(
        server.url,
        baselineLevel,
        o.plan.measured[baselineLevel] ?? 1000,
        () => sampleCpu(client, bench.name, srv),
      );
      o.log(
        `baseline ${baseline.what} x${baseline.concurrency}: ${baseline.opsPerSec} req/s, server CPU ${baseline.serverCpuMsPerOp} ms/req`,
      );
      const verification: Verification[] = [];
      for (const [key, s] of Object.entries(scenarios)) {
        verification.push(await verifyScenario(client, s, executed[key]!));
      }
      const ratios = opsResults
        .filter((r) => r.driver === 'http')
        .map((h) => {
          const raw = opsResults.find(
            (r) => r.driver === 'raw' && r.kind === h.kind && r.concurrency === h.concurrency,
          );
          return {
            kind: h.kind,
            concurrency: h.concurrency,
            ratio: raw && raw.opsPerSec > 0 ? round(h.opsPerSec / raw.opsPerSec, 3) : 0,
          };
        });
      results.ops = { results: opsResults, ratios, verification, baseline };
    }

    if (has('lists') && server) {
      const lists: ListResult[] = [];
      for (const size of o.listSizes) {
        const l = await measureList({
          baseUrl: server.url,
          url: bench.url,
          client,
          size,
          requests: o.listRequests,
          seedMs: listSeedMs[size] ?? 0,
        });
        o.log(
          `members.list ${size}: ${l.pages.map((p) => `${p.page} p50 ${p.latencyMs.p50} ms p99 ${p.latencyMs.p99} ms`).join('; ')}`,
        );
        lists.push(l);
      }
      results.lists = lists;
    }
  } finally {
    await server?.stop();
    if (server && process.env.BENCH_SERVER_OUTPUT) o.log(`server output (tail):\n${server.output()}`);
    if (server && o.profileDir) {
      results.serverProfile = summarizeCpuProfile(o.profileDir);
      if (results.serverProfile) o.log(`server CPU profile: ${results.serverProfile.file}`);
    }
    await client.end();
    interruptCleanups.delete(cleanup);
    if (!o.keepDatabase) await bench.drop();
    else o.log(`kept database ${bench.url}`);
  }
}

/**
 * The server process's CPU counter and those of the database's backends, except the bench's own admin
 * connection (idle while measuring). Backends are read from /proc, so this works on a local server only;
 * elsewhere the database figure is left out.
 */
async function sampleCpu(
  client: pg.Client,
  database: string,
  server: ServerProcess | undefined,
): Promise<CpuSample> {
  const { rows } = await client.query(
    'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [database],
  );
  const backends = new Map<number, number>();
  for (const { pid } of rows as { pid: number }[]) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) backends.set(pid, ms);
  }
  return { server: server?.cpuMs(), backends };
}

function line(r: OpsResult): string {
  return `${r.kind} ${r.driver} x${r.concurrency}: ${r.opsPerSec} ops/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, errors ${r.errors}${r.serverCpuMsPerOp !== undefined ? `, server CPU ${r.serverCpuMsPerOp} ms/op` : ''}${r.databaseCpuMsPerOp !== undefined ? `, database CPU ${r.databaseCpuMsPerOp} ms/op` : ''}${r.firstErrors.length ? ` (${r.firstErrors.join(' | ')})` : ''}`;
}

/** The issue's aim, checked against this run. */
function aim(r: BenchResults): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  const h16 = r.ops?.results.find((x) => x.kind === 'leave' && x.driver === 'http' && x.concurrency === 16);
  const ratio16 = r.ops?.ratios.find((x) => x.kind === 'leave' && x.concurrency === 16);
  if (h16 && ratio16) {
    a.leaveRatioAt16 = ratio16.ratio;
    a.leaveRatioAt16Met = ratio16.ratio >= 0.6;
    a.leaveP99At16Ms = h16.latencyMs.p99;
    a.leaveP99At16Met = h16.latencyMs.p99 < 50;
  }
  if (r.work) {
    a.leaveTransactions = r.work.leave.transactions;
    a.leaveStatements = r.work.leave.statements;
    a.leaveWorkMet = r.work.leave.transactions === 1 && r.work.leave.statements <= 8;
  }
  if (r.ops) a.zeroErrors = r.ops.results.every((x) => x.errors === 0);
  if (r.ops) a.verified = r.ops.verification.every((v) => v.ok);
  return a;
}

export { formatReport };
