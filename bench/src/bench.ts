import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import type pg from 'pg';
import { exportVerdicts, measureAuditExport, newestEntriesFrom, seedAuditRows } from './audit-export';
import {
  type BenchDatabase,
  connectWithRetry,
  createBenchDatabase,
  postgresSettings,
  postgresVersion,
} from './database';
import { measureEmbeddedStart } from './embedded';
import { HttpClient } from './http';
import { type ListResult, measureList } from './lists';
import { machineInfo, versions } from './machine';
import {
  type CpuSample,
  Executed,
  levelRanges,
  medianOfRounds,
  type OpsPlan,
  type OpsResult,
  runBaseline,
  runHttpLevel,
  runPeerLevel,
  runRawLevel,
  totalOps,
  type Verification,
  verifyScenario,
} from './ops';
import {
  checkSeededSession,
  createPeerDatabase,
  PEER_NAME,
  peerOperation,
  peerStatements,
  peerVersion,
  seedPeerScenario,
  signInThroughApi,
  startPeerServer,
  verifyPeerScenario,
} from './peer';
import { measurePreparedStatements } from './prepared';
import { summarizeCpuProfile } from './profile';
import { runPeerRace, runRosterRace, seedPeerRace, seedRosterRace } from './race';
import { type BenchResults, formatReport, type PeakRss, type PeerResults } from './report';
import { SERVER_BENCH_ENV } from './roster';
import { type OpsScenario, seedListOrganization, seedListUsers, seedOpsScenario } from './seed';
import {
  peakRssMiB,
  processCpuMs,
  resetPeakRss,
  type ServerMode,
  type ServerProcess,
  startServerProcess,
} from './server-process';
import { defaultPostgresLog, measureStatementTimes } from './statements';
import { nowMs, round } from './stats';
import { measureHttpWork, measureInProcessCpu, measureWork } from './work';

/**
 * How many audit entries the export section downloads, smallest first, each ten times the one before
 * (the issue's 100,000, and a tenth of it); a million too where the lists go to a million members.
 */
export function defaultExportRows(listSizes: number[]): number[] {
  return Math.max(0, ...listSizes) >= 1_000_000 ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
}

export type Section = 'ops' | 'peer' | 'work' | 'lists' | 'start' | 'statements';

/** What to undo if the run is interrupted (Ctrl-C): stop the server, drop the database. */
export const interruptCleanups = new Set<() => Promise<void>>();
export const SECTIONS: Section[] = ['ops', 'peer', 'work', 'lists', 'start', 'statements'];
/** What `pnpm bench` runs without `--only`: `statements` needs the PostgreSQL server's log, so it is asked for. */
export const DEFAULT_SECTIONS: Section[] = ['ops', 'peer', 'work', 'lists', 'start'];

export interface BenchOptions {
  databaseUrl: string;
  sections: Section[];
  plan: OpsPlan;
  /** Rounds of Roster and the peer, alternately, per operation and level (section `peer`). */
  rounds: number;
  /** Organizations per side in the two-owner race (section `peer`). */
  raceRounds: number;
  listSizes: number[];
  listRequests: number;
  /** Sizes of the audit log exports measured after the lists (default `defaultExportRows(listSizes)`). */
  exportRows?: number[];
  restarts: number;
  /** Sequential leaves per variant in the in-process CPU breakdown. */
  cpuOps: number;
  serverMode: ServerMode;
  keepDatabase: boolean;
  /** Where to write the JSON results; undefined: do not write. */
  out: string | undefined;
  conditions: string;
  /** The PostgreSQL server's log file, for section `statements` (default: Debian's path for its version). */
  postgresLog?: string;
  /** Profile the server under load (`node --cpu-prof`) and summarise where its CPU time goes. */
  profileDir?: string;
  /** Extra environment for the embedded-start server (the smoke test turns the demo seed off). */
  embeddedEnv?: Record<string, string>;
  log: (line: string) => void;
}

export function quickPlan(): OpsPlan {
  return { levels: [1, 16, 64], warmup: 20, measured: { 1: 100, 16: 400, 64: 400 }, orgs: 200 };
}

/** Unmeasured sequential operations before the statements are logged. */
const STATEMENT_WARMUP = 20;

export function quickRounds() {
  return { rounds: 3, raceRounds: 20 };
}

export function fullRounds() {
  return { rounds: 5, raceRounds: 50 };
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
      rounds: o.sections.includes('peer') ? o.rounds : 1,
      raceRounds: o.sections.includes('peer') ? o.raceRounds : 0,
      listSizes: o.listSizes,
      listRequests: o.listRequests,
      ...(o.sections.includes('lists') ? { exportRows: exportRowsOf(o) } : {}),
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

function exportRowsOf(o: BenchOptions): number[] {
  return [...(o.exportRows ?? defaultExportRows(o.listSizes))].sort((a, b) => a - b);
}

function needsPostgres(o: BenchOptions): boolean {
  return o.sections.some((s) => s !== 'start');
}

async function runOnPostgres(o: BenchOptions, results: BenchResults): Promise<void> {
  const has = (s: Section) => o.sections.includes(s);
  const withPeer = has('peer');
  const runOps = has('ops') || withPeer;
  const rounds = withPeer ? Math.max(1, o.rounds) : 1;
  const bench = await createBenchDatabase(o.databaseUrl);
  o.log(`database ${bench.name}`);
  let peerDb: BenchDatabase | undefined;
  let server: ServerProcess | undefined;
  let peer: ServerProcess | undefined;
  let peerClient: pg.Client | undefined;
  const cleanup = async () => {
    await server?.stop().catch(() => {});
    await peer?.stop().catch(() => {});
    if (!o.keepDatabase) await bench.drop().catch(() => {});
    if (!o.keepDatabase) await peerDb?.drop().catch(() => {});
  };
  interruptCleanups.add(cleanup);
  const client = await connectWithRetry({ connectionString: bench.url, statement_timeout: 0 });
  try {
    // Seed everything first, so no measurement runs beside a bulk load or its autovacuum.
    const n = totalOps(o.plan);
    const nSides = totalOps(o.plan, rounds);
    const scenarios: Record<string, OpsScenario> = {
      leaveHttp: { name: 'lh', kind: 'leave', orgs: o.plan.orgs, ops: nSides },
      leaveRaw: { name: 'lr', kind: 'leave', orgs: o.plan.orgs, ops: n },
      leaveUnprepared: { name: 'lu', kind: 'leave', orgs: o.plan.orgs, ops: n },
      removeHttp: { name: 'rh', kind: 'remove', orgs: o.plan.orgs, ops: nSides },
      removeRaw: { name: 'rr', kind: 'remove', orgs: o.plan.orgs, ops: n },
      removeUnprepared: { name: 'ru', kind: 'remove', orgs: o.plan.orgs, ops: n },
    };
    // The peer's scenarios: the same shape in its own database.
    const peerScenarios: Record<'leave' | 'remove', OpsScenario> = {
      leave: { name: 'pl', kind: 'leave', orgs: o.plan.orgs, ops: nSides },
      remove: { name: 'pr', kind: 'remove', orgs: o.plan.orgs, ops: nSides },
    };
    const peerWork: Record<'leave' | 'remove', OpsScenario> = {
      leave: { name: 'pwl', kind: 'leave', orgs: 2, ops: 2 },
      remove: { name: 'pwr', kind: 'remove', orgs: 2, ops: 2 },
    };
    const statementScenarios: Record<'leave' | 'remove', OpsScenario> = {
      leave: { name: 'sl', kind: 'leave', orgs: 100, ops: STATEMENT_WARMUP + o.cpuOps },
      remove: { name: 'sr', kind: 'remove', orgs: 100, ops: STATEMENT_WARMUP + o.cpuOps },
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
    if (runOps) for (const s of Object.values(scenarios)) await seedOpsScenario(client, s);
    if (withPeer) await seedRosterRace(client, o.raceRounds);
    if (has('work')) for (const s of Object.values(workScenarios)) await seedOpsScenario(client, s);
    if (has('statements'))
      for (const s of Object.values(statementScenarios)) await seedOpsScenario(client, s);
    if (runOps || has('work'))
      o.log(
        `seeded ${runOps ? `${Object.keys(scenarios).length} scenarios of ${n} operations (${nSides} for the ${rounds} round(s) over HTTP)` : 'work'} in ${Math.round(nowMs() - t)} ms`,
      );
    if (withPeer) {
      t = nowMs();
      peerDb = await createPeerDatabase(o.databaseUrl, bench.name);
      peerClient = await connectWithRetry({ connectionString: peerDb.url, statement_timeout: 0 });
      for (const s of [...Object.values(peerScenarios), ...Object.values(peerWork)])
        await seedPeerScenario(peerClient, s);
      await seedPeerRace(peerClient, o.raceRounds);
      await peerClient.query('vacuum analyze');
      o.log(
        `peer database ${peerDb.name}: migrated by ${PEER_NAME} and seeded in ${Math.round(nowMs() - t)} ms`,
      );
    }
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

    if (runOps || has('lists')) {
      server = await startServerProcess({
        env: { ...SERVER_BENCH_ENV, DATABASE_URL: bench.url },
        mode: o.serverMode,
        nodeArgs: o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [],
        // The export section reads the server's live heap after forced GCs (bench-only, over IPC).
        heapProbe: has('lists'),
      });
      o.log(`server (${o.serverMode}) ready at ${server.url} in ${Math.round(server.readyMs)} ms`);
    }
    if (withPeer && peerDb && peerClient) {
      peer = await startPeerServer(peerDb.url);
      o.log(`peer (${PEER_NAME} ${peerVersion()}) ready at ${peer.url} in ${Math.round(peer.readyMs)} ms`);
      results.peer = await preparePeer(peer.url, peerClient, peerWork);
      o.log(
        `peer: a seeded session is accepted; round trips per leave ${results.peer.roundTrips.leave}, per removal ${results.peer.roundTrips.remove}`,
      );
    }

    if (runOps && server) {
      const opsResults: OpsResult[] = [];
      const roundRows: OpsResult[] = [];
      const executed = Object.fromEntries(Object.keys(scenarios).map((k) => [k, new Executed()]));
      const peerExecuted = { leave: new Executed(), remove: new Executed() };
      const rawRanges = levelRanges(o.plan);
      const sideRanges = levelRanges(o.plan, rounds);
      const topLevel = Math.max(...o.plan.levels);
      const srv = server;
      const pr = peer;
      const peakRss: PeakRss = { concurrency: topLevel, roster: undefined, reset: false };
      for (const range of rawRanges) {
        const c = range.concurrency;
        if (c === topLevel) {
          peakRss.reset = resetPeakRss(srv.child.pid) && (!pr || resetPeakRss(pr.child.pid));
        }
        for (const kind of ['leave', 'remove'] as const) {
          if (has('ops')) {
            const r = await runRawLevel(
              bench.url,
              scenarios[`${kind}Raw`]!,
              range,
              executed[`${kind}Raw`]!,
              () => sampleCpu(client, bench.name, undefined),
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
          }
          const rosterRows: OpsResult[] = [];
          const peerRows: OpsResult[] = [];
          // Roster, peer, Roster, peer ...: each side gets the machine in the same states, in turn.
          for (const side of sideRanges.filter((x) => x.concurrency === c)) {
            const h = await runHttpLevel(
              srv.url,
              scenarios[`${kind}Http`]!,
              side,
              executed[`${kind}Http`]!,
              () => sampleCpu(client, bench.name, srv),
            );
            o.log(line(h, side.round, rounds));
            rosterRows.push(h);
            if (pr && peerClient && peerDb) {
              const pc = peerClient;
              const pdb = peerDb.name;
              const p = await runPeerLevel(pr.url, peerScenarios[kind], side, peerExecuted[kind], () =>
                sampleCpu(pc, pdb, pr),
              );
              o.log(line(p, side.round, rounds));
              peerRows.push(p);
            }
          }
          roundRows.push(...rosterRows, ...peerRows);
          opsResults.push(medianOfRounds(rosterRows));
          if (peerRows.length) opsResults.push(medianOfRounds(peerRows));
        }
        if (c === topLevel) {
          peakRss.roster = peakRssMiB(srv.child.pid);
          if (pr) peakRss.peer = peakRssMiB(pr.child.pid);
        }
      }
      const baselineLevel = o.plan.levels.includes(16) ? 16 : o.plan.levels.at(-1)!;
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
        if (!has('ops') && !key.endsWith('Http')) continue;
        verification.push(await verifyScenario(client, s, executed[key]!));
      }
      const ratios = opsResults
        .filter((r) => r.driver === 'http')
        .flatMap((h) => {
          const raw = opsResults.find(
            (r) => r.driver === 'raw' && r.kind === h.kind && r.concurrency === h.concurrency,
          );
          return raw && raw.opsPerSec > 0
            ? [{ kind: h.kind, concurrency: h.concurrency, ratio: round(h.opsPerSec / raw.opsPerSec, 3) }]
            : [];
        });
      results.ops = { results: opsResults, ratios, verification, baseline, peakRssMiB: peakRss };
      if (rounds > 1) results.ops.rounds = roundRows;
      if (results.peer && peerClient) {
        results.peer.comparison = opsResults
          .filter((r) => r.driver === 'http')
          .flatMap((h) => {
            const p = opsResults.find(
              (x) => x.driver === 'peer' && x.kind === h.kind && x.concurrency === h.concurrency,
            );
            if (!p) return [];
            const ratio = p.opsPerSec > 0 ? round(h.opsPerSec / p.opsPerSec, 2) : 0;
            return [
              {
                kind: h.kind,
                concurrency: h.concurrency,
                roster: h.opsPerSec,
                peer: p.opsPerSec,
                ratio,
                met: ratio >= 2,
              },
            ];
          });
        results.peer.verification = [];
        for (const kind of ['leave', 'remove'] as const)
          results.peer.verification.push(
            await verifyPeerScenario(peerClient, peerScenarios[kind], peerExecuted[kind].ok),
          );
      }
    }

    if (withPeer && server && peer && peerClient) {
      const roster = await runRosterRace(server.url, client, o.raceRounds);
      const better = await runPeerRace(peer.url, peerClient, o.raceRounds);
      results.race = [roster, better];
      o.log(
        `two-owner race, ${o.raceRounds} rounds: ownerless roster ${roster.ownerless}, ${PEER_NAME} ${better.ownerless}`,
      );
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
      // Audit log exports of growing sizes, streamed: the server's memory must not grow with them.
      const exportRows = exportRowsOf(o);
      const size = Math.max(...o.listSizes);
      const t = nowMs();
      const largest = Math.max(...exportRows);
      await seedAuditRows(client, size, largest);
      await client.query('vacuum analyze audit_log');
      o.log(`seeded ${largest} audit entries in ${Math.round(nowMs() - t)} ms`);
      results.auditExport = [];
      for (const format of ['jsonl', 'csv'] as const) {
        for (const rows of exportRows) {
          // The smaller exports are the newest entries (a `from` filter), the largest is the whole log.
          const from = rows < largest ? await newestEntriesFrom(client, size, rows) : undefined;
          const e = await measureAuditExport({
            baseUrl: server.url,
            server,
            heapProbe: true,
            size,
            format,
            ...(from ? { from } : {}),
          });
          o.log(
            `audit export ${format}: ${e.rows} rows, ${(e.bytes / 2 ** 20).toFixed(1)} MiB in ${e.durationMs} ms; server RSS ${e.rssBeforeMiB} MiB before, peak ${e.peakRssMiB} MiB; live heap after GC ${e.heap?.beforeMiB} MiB before, max ${e.heap?.liveMaxMiB} MiB during (${e.heap?.samples} samples)`,
          );
          results.auditExport.push(e);
        }
      }
      results.auditExportVerdicts = exportVerdicts(results.auditExport);
      for (const v of results.auditExportVerdicts)
        o.log(
          `audit export ${v.format} ${v.rows[0]} -> ${v.rows[1]} rows: live growth ${v.liveGrowthMiB[0]} -> ${v.liveGrowthMiB[1]} MiB: ${v.bounded ? 'bounded' : 'NOT bounded'}`,
        );
    }
    if (has('statements')) {
      // After everything else, with a server process of its own: the log setting slows every statement.
      await server?.stop();
      await peer?.stop();
      const logFile = o.postgresLog ?? defaultPostgresLog(results.versions.postgres);
      results.statements = [];
      for (const kind of ['leave', 'remove'] as const) {
        const st = await measureStatementTimes({
          client,
          database: bench.name,
          url: bench.url,
          scenario: statementScenarios[kind],
          warmup: STATEMENT_WARMUP,
          operations: o.cpuOps,
          serverMode: o.serverMode,
          logFile,
        });
        o.log(`statements: ${kind} ${st.totalMsPerOp} ms of logged statement time per operation`);
        results.statements.push(st);
      }
    }
  } finally {
    await server?.stop();
    await peer?.stop();
    if (server && process.env.BENCH_SERVER_OUTPUT) o.log(`server output (tail):\n${server.output()}`);
    if (peer && process.env.BENCH_SERVER_OUTPUT) o.log(`peer output (tail):\n${peer.output()}`);
    if (server && o.profileDir) {
      results.serverProfile = summarizeCpuProfile(o.profileDir);
      if (results.serverProfile) o.log(`server CPU profile: ${results.serverProfile.file}`);
    }
    await client.end();
    await peerClient?.end();
    interruptCleanups.delete(cleanup);
    if (!o.keepDatabase) {
      await bench.drop();
      await peerDb?.drop();
    } else o.log(`kept databases ${bench.url}${peerDb ? ` and ${peerDb.url}` : ''}`);
  }
}

/**
 * Before measuring: a seeded cookie is a session better-auth accepts; one person signed up and in through
 * its API has a session row of the same shape as the seeded ones; and the statements (round trips) the
 * peer sends for one leave and one removal, counted by its pool.
 */
async function preparePeer(
  baseUrl: string,
  peerClient: pg.Client,
  work: Record<'leave' | 'remove', OpsScenario>,
): Promise<PeerResults> {
  await checkSeededSession(baseUrl, work.leave);
  const signedIn = await signInThroughApi(baseUrl, peerClient);
  const seeded = (await peerClient.query('select * from session limit 1')).rows[0] as Record<string, unknown>;
  const shape = (r: Record<string, unknown>) =>
    Object.keys(r)
      .filter((k) => r[k] !== null)
      .sort()
      .join(',');
  const http = new HttpClient(baseUrl, 1);
  const roundTrips = { leave: 0, remove: 0 };
  try {
    for (const kind of ['leave', 'remove'] as const) {
      const before = await peerStatements(http);
      await peerOperation(http, baseUrl, work[kind], 0);
      roundTrips[kind] = (await peerStatements(http)) - before;
    }
  } finally {
    http.close();
  }
  return {
    name: PEER_NAME,
    version: peerVersion(),
    sessions:
      'seeded in its session table (signed cookies made with its secret); one sign-up and sign-in through its API checks the shape',
    sessionShape: { seeded: shape(seeded), signedIn: shape(signedIn) },
    roundTrips,
    comparison: [],
    verification: [],
  };
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

function line(r: OpsResult, round?: number, rounds?: number): string {
  const side = round !== undefined && rounds && rounds > 1 ? ` (round ${round + 1}/${rounds})` : '';
  return `${r.kind} ${r.driver === 'peer' ? PEER_NAME : r.driver} x${r.concurrency}${side}: ${r.opsPerSec} ops/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, errors ${r.errors}${r.serverCpuMsPerOp !== undefined ? `, server CPU ${r.serverCpuMsPerOp} ms/op` : ''}${r.databaseCpuMsPerOp !== undefined ? `, database CPU ${r.databaseCpuMsPerOp} ms/op` : ''}${r.firstErrors.length ? ` (${r.firstErrors.join(' | ')})` : ''}`;
}

/** One aim of the issue (performance: issue 18), its target, what this run measured and the verdict. */
export interface AimCheck {
  aim: string;
  target: string;
  measured: string;
  met: boolean;
}

/** The issue's aims, checked against this run. */
function aim(r: BenchResults): Record<string, unknown> & { checks: AimCheck[] } {
  const checks: AimCheck[] = [];
  const add = (aimText: string, target: string, measured: number | string | undefined, met: boolean) => {
    if (measured !== undefined) checks.push({ aim: aimText, target, measured: String(measured), met });
  };
  const http = (kind: string, c: number) =>
    r.ops?.results.find((x) => x.kind === kind && x.driver === 'http' && x.concurrency === c);
  for (const x of r.peer?.comparison ?? []) {
    add(`${x.kind} at ${x.concurrency} callers vs ${PEER_NAME}`, '>= 2x', `${x.ratio}x`, x.met);
  }
  for (const kind of ['leave', 'remove'] as const) {
    const w = r.work?.http?.[kind];
    if (w)
      add(
        `round trips per ${kind === 'leave' ? 'leave' : 'removal'} (HTTP)`,
        '<= 5',
        w.roundTrips,
        w.roundTrips <= 5,
      );
  }
  const w = r.work?.http?.leave ?? r.work?.leave;
  if (w) add('transactions per leave', '1', w.transactions, w.transactions === 1);
  const h16 = http('leave', 16);
  if (h16?.databaseCpuMsPerOp !== undefined)
    add(
      'database CPU per leave at 16 callers',
      '<= 1.0 ms',
      h16.databaseCpuMsPerOp,
      h16.databaseCpuMsPerOp <= 1.0,
    );
  if (h16?.serverCpuMsPerOp !== undefined)
    add('server CPU per leave at 16 callers', '<= 0.7 ms', h16.serverCpuMsPerOp, h16.serverCpuMsPerOp <= 0.7);
  const ratio16 = r.ops?.ratios.find((x) => x.kind === 'leave' && x.concurrency === 16);
  if (ratio16)
    add(
      'leave at 16 callers vs raw SQL',
      '>= 50 %',
      `${Math.round(ratio16.ratio * 100)} %`,
      ratio16.ratio >= 0.5,
    );
  if (h16) add('leave p99 at 16 callers', '< 50 ms', h16.latencyMs.p99, h16.latencyMs.p99 < 50);
  const rosterRace = r.race?.find((x) => x.side === 'roster');
  if (rosterRace)
    add(
      'two-owner race: rounds without an owner (Roster)',
      '0',
      rosterRace.ownerless,
      rosterRace.ownerless === 0,
    );
  const a: Record<string, unknown> & { checks: AimCheck[] } = { checks };
  if (r.ops) a.zeroErrors = r.ops.results.every((x) => x.errors === 0);
  if (r.ops)
    a.verified = r.ops.verification.every((v) => v.ok) && (r.peer?.verification ?? []).every((v) => v.ok);
  return a;
}

export { formatReport };
