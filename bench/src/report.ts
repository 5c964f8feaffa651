import type { AuditExportResult, AuditExportVerdict } from './audit-export';
import type { EmbeddedStartResult } from './embedded';
import { KEYSET_INDEX, type ListResult, type PlanSummary } from './lists';
import type { BaselineResult, OpsResult, Verification } from './ops';
import type { PeerVerification } from './peer';
import type { PreparedExperiment } from './prepared';
import type { ProfileSummary } from './profile';
import type { RaceResult } from './race';
import type { StatementTimes } from './statements';
import type { InProcessCpu, WorkCount } from './work';

/** Peak resident set size (MiB) of each server process over the run at the highest concurrency. */
export interface PeakRss {
  concurrency: number;
  roster: number | undefined;
  peer?: number | undefined;
  /** Whether the peaks were reset before that run (/proc/<pid>/clear_refs); if not, peaks since start. */
  reset: boolean;
}

export interface PeerResults {
  name: string;
  version: string;
  /** How its sessions were made. */
  sessions: string;
  /** The non-null columns of a seeded session row and of one signed in through its API. */
  sessionShape: { seeded: string; signedIn: string };
  /** Statements its pool sent for one leave and one removal (each a round trip). */
  roundTrips: { leave: number; remove: number };
  /** Roster / peer, medians of the rounds, per operation and concurrency. */
  comparison: {
    kind: string;
    concurrency: number;
    roster: number;
    peer: number;
    ratio: number;
    met: boolean;
  }[];
  verification: PeerVerification[];
}

export interface BenchResults {
  date: string;
  durationSeconds?: number;
  conditions: string;
  machine: { cpuModel: string; cores: number; memoryGiB: number } & Record<string, unknown>;
  versions: { node: string; postgres: string } & Record<string, unknown>;
  config: Record<string, unknown>;
  ops?: {
    results: OpsResult[];
    /** Roster over HTTP / raw SQL, ops/s, per operation and concurrency. */
    ratios: { kind: string; concurrency: number; ratio: number }[];
    verification: Verification[];
    baseline?: BaselineResult;
    /** Every round of the sides compared (Roster over HTTP, the peer); `results` holds their medians. */
    rounds?: OpsResult[];
    peakRssMiB?: PeakRss;
  };
  peer?: PeerResults;
  /** The two-owner race, both sides. */
  race?: RaceResult[];
  /** Section `statements`: PostgreSQL's time per operation, statement by statement, from its log. */
  statements?: StatementTimes[];
  work?: {
    leave: WorkCount;
    remove: WorkCount;
    http?: { leave?: WorkCount; remove?: WorkCount };
    cpu?: InProcessCpu;
    prepared?: PreparedExperiment;
  };
  lists?: ListResult[];
  auditExport?: AuditExportResult[];
  /** Per format, each export against the next size up: is the server's live memory bounded? */
  auditExportVerdicts?: AuditExportVerdict[];
  embeddedStart?: EmbeddedStartResult;
  aim?: Record<string, unknown> & {
    checks?: { aim: string; target: string; measured: string; met: boolean }[];
  };
  serverProfile?: ProfileSummary | undefined;
  notes: string[];
}

const DRIVER_LABEL = {
  http: 'roster http',
  peer: 'better-auth http',
  raw: 'raw sql',
  'raw-unprepared': 'raw, unprepared',
} as const;

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  out.push(`Roster bench — ${r.date}`);
  out.push(
    `${r.machine.cpuModel} (${r.machine.cores} cores, ${r.machine.memoryGiB} GiB), node ${r.versions.node}, postgres ${r.versions.postgres}`,
  );
  out.push(
    `conditions: ${r.conditions}; load average (1, 5, 15 min) at start ${JSON.stringify(r.machine.loadAverage)}, at end ${JSON.stringify(r.machine.loadAverageAtEnd)}`,
  );
  if (r.ops) {
    out.push(
      '',
      'Leave and remove, end to end (HTTP, each call a distinct session) vs raw SQL (same transaction)',
    );
    out.push(
      table(
        [
          'operation',
          'driver',
          'callers',
          'ops',
          'errors',
          'ops/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'vs raw',
          'server CPU ms/op',
          'db CPU ms/op',
        ],
        r.ops.results.map((x) => {
          const ratio = r.ops!.ratios.find((q) => q.kind === x.kind && q.concurrency === x.concurrency);
          return [
            x.kind,
            DRIVER_LABEL[x.driver],
            x.concurrency,
            x.ops,
            x.errors,
            x.opsPerSec,
            x.latencyMs.p50,
            x.latencyMs.p99,
            x.latencyMs.max,
            x.driver === 'http' && ratio ? `${Math.round(ratio.ratio * 100)}%` : '',
            x.serverCpuMsPerOp ?? '',
            x.databaseCpuMsPerOp ?? '',
          ];
        }),
      ),
    );
    const b = r.ops.baseline;
    if (b) {
      out.push(
        `baseline, ${b.what} with ${b.concurrency} callers: ${b.opsPerSec} req/s, p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms, server CPU ${b.serverCpuMsPerOp ?? '?'} ms/req`,
      );
    }
    if (r.peer && r.peer.comparison.length > 0) {
      const rounds = r.ops.results.find((x) => x.driver === 'http')?.roundsOpsPerSec?.length ?? 1;
      out.push(
        '',
        `Roster vs ${r.peer.name} ${r.peer.version} (organization plugin, its own server process over HTTP), alternating, medians of ${rounds} rounds`,
      );
      const cpu = (kind: string, c: number, driver: 'http' | 'peer') => {
        const x = r.ops!.results.find((y) => y.kind === kind && y.concurrency === c && y.driver === driver);
        return x ? `${x.serverCpuMsPerOp ?? '?'} + ${x.databaseCpuMsPerOp ?? '?'}` : '';
      };
      const each = (kind: string, c: number, driver: 'http' | 'peer') =>
        (
          r.ops!.results.find((y) => y.kind === kind && y.concurrency === c && y.driver === driver)
            ?.roundsOpsPerSec ?? []
        ).join(' / ');
      out.push(
        table(
          [
            'operation',
            'callers',
            'roster ops/s',
            `${r.peer.name} ops/s`,
            'ratio',
            'aim >= 2x',
            'roster rounds',
            'peer rounds',
            'CPU ms/op roster (server + db)',
            'peer (server + db)',
          ],
          r.peer.comparison.map((x) => [
            x.kind,
            x.concurrency,
            x.roster,
            x.peer,
            `${x.ratio}x`,
            x.met ? 'met' : 'MISSED',
            each(x.kind, x.concurrency, 'http'),
            each(x.kind, x.concurrency, 'peer'),
            cpu(x.kind, x.concurrency, 'http'),
            cpu(x.kind, x.concurrency, 'peer'),
          ]),
        ),
      );
      out.push(
        `  ${r.peer.name} sessions: ${r.peer.sessions}; round trips to PostgreSQL per leave ${r.peer.roundTrips.leave}, per removal ${r.peer.roundTrips.remove}`,
      );
      for (const v of r.peer.verification)
        out.push(
          `  ${r.peer.name} verified in SQL, ${v.scenario}: ${v.expectedChanged} expected, ${v.removedMemberships} members gone, ${v.removedExpected} as expected, session pointers left ${v.sessionPointersLeft}: ${v.ok ? 'ok' : 'NOT OK'}`,
        );
    }
    const rss = r.ops.peakRssMiB;
    if (rss) {
      out.push(
        `Peak RSS of the server process${rss.reset ? ` over the ${rss.concurrency}-caller run` : ' (since start)'}: roster ${rss.roster ?? '?'} MiB${rss.peer !== undefined ? `, ${r.peer?.name ?? 'peer'} ${rss.peer} MiB` : ''}`,
      );
    }
    out.push(
      table(
        [
          'verified in SQL',
          'expected',
          'removed',
          'as expected',
          'audit rows',
          'outbox',
          'session ptrs left',
          'ok',
        ],
        r.ops.verification.map((v) => [
          v.scenario,
          v.expectedChanged,
          v.removedMemberships,
          v.removedExpected,
          v.auditRows,
          v.outboxEvents,
          v.sessionPointersLeft,
          v.ok ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  if (r.work) {
    out.push('', "Work per operation (statements from Kysely's log hook, round trips counted on the wire)");
    const rows: (string | number)[][] = [];
    const add = (label: string, w: WorkCount | undefined) => {
      if (!w) return;
      rows.push([label, w.transactions, w.statements, w.statementsInTransaction, w.roundTrips]);
    };
    add('leave (createCaller)', r.work.leave);
    add('remove (createCaller)', r.work.remove);
    add('leave (HTTP, with authentication)', r.work.http?.leave);
    add('remove (HTTP, with authentication)', r.work.http?.remove);
    out.push(table(['operation', 'transactions', 'statements', 'in transaction', 'round trips'], rows));
    for (const w of [r.work.http?.leave ?? r.work.leave, r.work.http?.remove ?? r.work.remove]) {
      out.push(`  ${w.operation}: ${w.log.map((l) => l.kind).join(' | ')}`);
    }
    const c = r.work.cpu;
    if (c) {
      out.push(
        `  CPU per leave in one process, sequential, database excluded (${c.operations} leaves each): service alone ${c.serviceLeaveMs} ms, createCaller ${c.createCallerLeaveMs} ms, whole server via inject ${c.injectLeaveMs} ms, raw-SQL client ${c.rawLeaveMs} ms`,
      );
    }
    const pr = r.work.prepared;
    if (pr) {
      out.push(
        `  prepared statements (${pr.operations} sequential createCaller leaves): database CPU ${pr.unpreparedDbMs} ms/leave unprepared (DATABASE_PREPARED_STATEMENTS=0), ${pr.preparedDbMs} ms/leave prepared (the default); client CPU ${pr.unpreparedClientMs} -> ${pr.preparedClientMs} ms`,
      );
    }
  }
  if (r.lists) {
    out.push('', 'members.list over HTTP (one caller, sequential requests)');
    out.push(
      table(
        [
          'members',
          'page',
          'position / filter',
          'requests',
          'p50 ms',
          'p99 ms',
          'plan (EXPLAIN ANALYZE of the statement)',
        ],
        r.lists.flatMap((l) =>
          l.pages.map((p) => [
            l.size,
            p.page,
            p.filters
              ? `${p.filters.query ? `query "${p.filters.query}"` : `role ${p.filters.role}`} (${p.matches} match)`
              : p.position,
            p.latencyMs.count,
            p.latencyMs.p50,
            p.latencyMs.p99,
            planCell(p.plan),
          ]),
        ),
      ),
    );
    const deepest = r.lists.at(-1)?.pages.find((p) => p.page === 'deep');
    if (deepest) out.push(`  plan of the deepest page: ${deepest.plan.summary}`);
    for (const kind of ['search', 'search-broad', 'role'] as const) {
      const p = r.lists.at(-1)?.pages.find((x) => x.page === kind);
      if (p) out.push(`  plan of ${kind} at ${r.lists.at(-1)?.size}: ${p.plan.summary}`);
    }
  }
  if (r.auditExport?.length) {
    out.push(
      '',
      'Audit log export over HTTP (GET /v1/organizations/:id/audit-log/export, streamed; server memory, MiB)',
    );
    out.push(
      table(
        [
          'format',
          'rows',
          'MiB sent',
          'ms',
          'RSS before',
          'peak RSS',
          'peak RSS delta',
          'live before',
          'live max (stalled reader)',
          'live growth',
          'live after',
          'samples',
        ],
        r.auditExport.map((e) => [
          e.format,
          e.rows,
          (e.bytes / 2 ** 20).toFixed(1),
          e.durationMs,
          e.rssBeforeMiB ?? '?',
          `${e.peakRssMiB ?? '?'}${e.peakReset ? '' : ' (not reset)'}`,
          e.peakRssDeltaMiB ?? '?',
          e.heap?.beforeMiB ?? '-',
          e.heap?.liveMaxMiB ?? '-',
          e.heap?.liveGrowthMiB ?? '-',
          e.heap?.afterMiB ?? '-',
          e.heap?.samples ?? '-',
        ]),
      ),
    );
    out.push(
      '  live = heap used + external after a forced full GC in the server (bench-only heap probe), sampled while a',
      '  second download streams with its reader stalled after the first chunk; peak RSS also counts uncollected garbage',
    );
    for (const v of r.auditExportVerdicts ?? [])
      out.push(
        `  ${v.format} ${v.rows[0]} -> ${v.rows[1]} rows: live growth ${v.liveGrowthMiB[0]} -> ${v.liveGrowthMiB[1]} MiB (margin ${v.marginMiB}), peak RSS delta ${v.peakRssDeltaMiB[0] ?? '?'} -> ${v.peakRssDeltaMiB[1] ?? '?'} MiB: ${v.bounded ? 'bounded' : 'NOT bounded'}`,
      );
  }
  if (r.embeddedStart) {
    const e = r.embeddedStart;
    out.push(
      '',
      `Embedded start (PGlite, process spawn -> /readyz 200): first start ${e.firstStartMs} ms; restarts on the existing data directory: ${e.restartsMs.join(', ')} ms (p50 ${e.p50Ms} ms)`,
    );
  }
  if (r.serverProfile) {
    const p = r.serverProfile;
    out.push('', `Server CPU profile (${p.totalMs} ms of samples, ${p.file})`);
    out.push(
      table(
        ['self time by package', 'ms', '%'],
        p.byPackage.map((x) => [x.name, x.ms, x.share]),
      ),
    );
    out.push(
      table(
        ['hottest functions', 'where', 'ms', '%'],
        p.topFunctions.map((x) => [x.name, x.where, x.ms, x.share]),
      ),
    );
  }
  for (const st of r.statements ?? []) {
    out.push(
      '',
      `PostgreSQL time per ${st.kind} by statement (server log, ${st.operations} sequential operations over HTTP, one caller): ${st.totalMsPerOp} ms logged per operation`,
    );
    out.push(
      table(
        ['phase', 'per op', 'ms/op', 'statement'],
        st.rows
          .filter((x) => x.msPerOp >= 0.001)
          .map((x) => [x.phase, x.perOp, x.msPerOp, x.statement.slice(0, 100)]),
      ),
    );
  }
  if (r.race) {
    out.push('', 'Two owners of one organization leave at the same moment (one round per organization)');
    out.push(
      table(
        ['side', 'rounds', 'both left', 'one refused', 'rounds ending with no owner'],
        r.race.map((x) => [x.side, x.rounds, x.bothLeft, x.oneRefused, x.ownerless]),
      ),
    );
  }
  if (r.aim) {
    const { checks, ...rest } = r.aim;
    if (checks?.length) {
      out.push('', 'Aims (issue 18)');
      out.push(
        table(
          ['aim', 'target', 'measured', 'verdict'],
          checks.map((c) => [c.aim, c.target, c.measured, c.met ? 'met' : 'MISSED']),
        ),
      );
    }
    out.push(`Run: ${JSON.stringify(rest)}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function planCell(p: PlanSummary): string {
  // "keyset index" when it is all the plan reads besides the users' primary key.
  const index =
    p.usesKeysetIndex &&
    p.seqScans.length === 0 &&
    p.indexes.every((name) => name === KEYSET_INDEX || name === 'users_pkey')
      ? 'keyset index'
      : `indexes ${[...new Set(p.indexes)].join(' + ') || 'none'}${p.seqScans.length ? `, SEQ SCAN of ${p.seqScans.join(', ')}` : ''}`;
  return [
    index,
    `${p.membershipRowsRead} membership rows read`,
    p.sorts ? 'SORT' : 'no sort',
    p.sqlHasOffset ? 'OFFSET' : 'no offset',
    `${p.executionMs.toFixed(2)} ms${p.genericExecutionMs === undefined ? '' : ` (generic plan ${p.genericExecutionMs.toFixed(2)} ms)`}`,
  ].join(', ');
}
