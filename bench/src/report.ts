import type { EmbeddedStartResult } from './embedded';
import type { ListResult, PlanSummary } from './lists';
import type { BaselineResult, OpsResult, Verification } from './ops';
import type { PreparedExperiment } from './prepared';
import type { ProfileSummary } from './profile';
import type { InProcessCpu, WorkCount } from './work';

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
  };
  work?: {
    leave: WorkCount;
    remove: WorkCount;
    http?: { leave?: WorkCount; remove?: WorkCount };
    cpu?: InProcessCpu;
    prepared?: PreparedExperiment;
  };
  lists?: ListResult[];
  embeddedStart?: EmbeddedStartResult;
  aim?: Record<string, unknown>;
  serverProfile?: ProfileSummary | undefined;
  notes: string[];
}

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
            x.driver === 'http' ? 'roster http' : x.driver === 'raw' ? 'raw sql' : 'raw, unprepared',
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
    out.push('', 'Work per operation (Kysely log hook)');
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
          'position',
          'requests',
          'p50 ms',
          'p99 ms',
          'plan (EXPLAIN ANALYZE of the statement)',
        ],
        r.lists.flatMap((l) =>
          l.pages.map((p) => [
            l.size,
            p.page,
            p.position,
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
  if (r.aim) {
    out.push('', `Aim: ${JSON.stringify(r.aim)}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function planCell(p: PlanSummary): string {
  const index = p.usesKeysetIndex
    ? 'keyset index'
    : `NO keyset index (${p.indexes.join(', ') || 'no index'})`;
  return [
    index,
    `${p.membershipRowsRead} membership rows read`,
    p.sorts ? 'SORT' : 'no sort',
    p.sqlHasOffset ? 'OFFSET' : 'no offset',
    `${p.executionMs.toFixed(2)} ms`,
  ].join(', ');
}
