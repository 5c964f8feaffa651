import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args';
import { type BenchOptions, runBench } from '../src/bench';
import { summarizePlan } from '../src/lists';
import { levelRanges, medianOfRounds, type OpsResult, totalOps } from '../src/ops';
import { summarize } from '../src/stats';

// A smoke run of the bench in a tiny configuration, so the code keeps working; it measures nothing
// worth reading. The full bench is `pnpm bench`, never part of `pnpm test`.
const dir = mkdtempSync(join(tmpdir(), 'roster-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const databaseUrl = process.env.DATABASE_URL;

function tinyOptions(overrides: Partial<BenchOptions>): BenchOptions {
  return {
    databaseUrl: databaseUrl ?? '',
    sections: ['ops', 'peer', 'work', 'lists', 'start'],
    plan: { levels: [1, 4], warmup: 2, measured: { 1: 8, 4: 16 }, orgs: 16 },
    rounds: 2,
    raceRounds: 3,
    listSizes: [300],
    listRequests: 3,
    exportRows: [300, 3000],
    restarts: 1,
    cpuOps: 5,
    serverMode: 'tsx',
    keepDatabase: false,
    out: join(dir, 'results.json'),
    conditions: 'smoke test',
    log: () => {},
    ...overrides,
  };
}

describe('bench helpers', () => {
  it('reads flags after a `--` (pnpm bench -- --quick) and refuses what it does not know', () => {
    expect(parseBenchArgs(['--', '--quick', '--levels=16']).quick).toBe(true);
    expect(parseBenchArgs(['--', '--quick', '--levels=16']).levels).toBe('16');
    expect(parseBenchArgs(['--quick']).quick).toBe(true);
    expect(parseBenchArgs([]).quick).toBe(false);
    expect(() => parseBenchArgs(['quick'])).toThrow(/positional/i);
    expect(() => parseBenchArgs(['--', 'quick'])).toThrow(/positional/i);
    expect(() => parseBenchArgs(['--quik'])).toThrow(/unknown option/i);
  });

  it('gives each round of each level its own operations, and summarises rounds by their medians', () => {
    const plan = { levels: [1, 4], warmup: 2, measured: { 1: 8, 4: 16 }, orgs: 16 };
    expect(levelRanges(plan, 2).map((r) => [r.concurrency, r.round, r.warmupStart, r.start, r.end])).toEqual([
      [1, 0, 0, 2, 10],
      [1, 1, 10, 12, 20],
      [4, 0, 20, 22, 38],
      [4, 1, 38, 40, 56],
    ]);
    expect(totalOps(plan, 2)).toBe(56);
    expect(totalOps(plan)).toBe(28);
    const row = (opsPerSec: number, p99: number, serverCpuMsPerOp: number): OpsResult => ({
      kind: 'leave',
      driver: 'peer',
      concurrency: 4,
      ops: 16,
      errors: 0,
      opsPerSec,
      latencyMs: { count: 16, p50: 1, p90: 2, p99, max: p99 + 1, mean: 1 },
      serverCpuMsPerOp,
      firstErrors: [],
    });
    const m = medianOfRounds([row(300, 9, 2), row(100, 30, 1), row(200, 10, 3)]);
    expect(m).toMatchObject({
      opsPerSec: 200,
      ops: 48,
      serverCpuMsPerOp: 2,
      roundsOpsPerSec: [300, 100, 200],
    });
    expect(m.latencyMs).toMatchObject({ p99: 10, max: 31, count: 48 });
    expect(medianOfRounds([row(100, 1, 1), row(200, 3, 2)]).opsPerSec).toBe(150);
  });

  it('summarizes latencies by nearest rank', () => {
    const s = summarize([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
    expect(s).toMatchObject({ count: 10, p50: 5, p90: 9, p99: 10, max: 10, mean: 5.5 });
  });

  it('reads an index scan and an offset out of a plan', () => {
    const plan = summarizePlan(
      {
        'Node Type': 'Limit',
        'Actual Rows': 51,
        Plans: [
          {
            'Node Type': 'Index Scan',
            'Index Name': 'memberships_active_keyset_idx',
            'Relation Name': 'memberships',
            'Actual Rows': 51,
            'Actual Loops': 1,
          },
        ],
      },
      0.1,
      'select * from "memberships" order by created_at limit $1',
    );
    expect(plan.usesKeysetIndex).toBe(true);
    expect(plan.sqlHasOffset).toBe(false);
    expect(plan.membershipRowsRead).toBe(51);
    expect(
      summarizePlan({ 'Node Type': 'Seq Scan', 'Relation Name': 'memberships' }, 1, 'x offset 5').seqScans,
    ).toEqual(['memberships']);
    // A branch that never ran (a one-time filter was false) read nothing.
    const branches = summarizePlan(
      {
        'Node Type': 'Append',
        'Actual Rows': 1,
        'Actual Loops': 1,
        Plans: [
          { 'Node Type': 'Index Scan', 'Index Name': 'users_pkey', 'Actual Rows': 1, 'Actual Loops': 1 },
          {
            'Node Type': 'Sort',
            'Actual Rows': 0,
            'Actual Loops': 0,
            Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'memberships', 'Actual Loops': 0 }],
          },
        ],
      },
      0.1,
      'select',
    );
    expect(branches).toMatchObject({
      indexes: ['users_pkey'],
      seqScans: [],
      sorts: 0,
      membershipRowsRead: 0,
    });
  });
});

describe.skipIf(!databaseUrl)('bench smoke run on PostgreSQL', () => {
  it('runs every section, verifies the changes in SQL and writes the results', async () => {
    // The embedded start is smoke-tested by the run without DATABASE_URL.
    const r = await runBench(tinyOptions({ sections: ['ops', 'peer', 'work', 'lists'] }));
    expect(r.ops?.results.every((x) => x.errors === 0)).toBe(true);
    expect(r.ops?.verification.map((v) => v.ok)).toEqual([true, true, true, true, true, true]);
    // Roster over HTTP ran 2 rounds per level (warmup 2 + measured each), the raw loops one.
    expect(r.ops?.verification.find((v) => v.scenario === 'lh')?.expectedChanged).toBe(2 * (2 * 2 + 8 + 16));
    expect(r.ops?.verification.find((v) => v.scenario === 'lr')?.expectedChanged).toBe(2 * 2 + 8 + 16);
    // The peer: its own process and database, the same operations, each verified in its tables.
    expect(r.peer?.name).toBe('better-auth');
    expect(r.peer?.verification.map((v) => [v.scenario, v.expectedChanged, v.ok])).toEqual([
      ['pl', 2 * (2 * 2 + 8 + 16), true],
      ['pr', 2 * (2 * 2 + 8 + 16), true],
    ]);
    // A session signed in through its API has no column the seeded ones lack (but where it came from).
    const seeded = r.peer?.sessionShape.seeded.split(',') ?? [];
    const signedIn = r.peer?.sessionShape.signedIn.split(',') ?? [];
    expect(signedIn.filter((c) => !seeded.includes(c) && c !== 'ipAddress' && c !== 'userAgent')).toEqual([]);
    expect(signedIn).toContain('token');
    expect(r.peer?.roundTrips.leave).toBeGreaterThan(0);
    expect(r.peer?.roundTrips.remove).toBeGreaterThan(0);
    expect(r.peer?.comparison.map((x) => [x.kind, x.concurrency])).toEqual([
      ['leave', 1],
      ['remove', 1],
      ['leave', 4],
      ['remove', 4],
    ]);
    expect(
      r.ops?.results.filter((x) => x.driver === 'peer').every((x) => x.roundsOpsPerSec?.length === 2),
    ).toBe(true);
    expect(r.ops?.rounds).toHaveLength(2 * 2 * 2 * 2);
    expect(r.ops?.peakRssMiB?.roster).toBeGreaterThan(0);
    expect(r.ops?.peakRssMiB?.peer).toBeGreaterThan(0);
    // The two-owner race: Roster never ends a round without an owner (how often the peer does depends
    // on timing, so it is only recorded).
    const roster = r.race?.find((x) => x.side === 'roster');
    expect(roster).toMatchObject({ rounds: 3, ownerless: 0, bothLeft: 0 });
    expect(r.race?.find((x) => x.side === 'better-auth')?.rounds).toBe(3);
    const checks = (r.aim?.checks ?? []).map((c) => c.aim);
    expect(checks).toContain('round trips per leave (HTTP)');
    expect(checks).toContain('leave at 1 callers vs better-auth');
    expect(r.work?.leave.transactions).toBe(1);
    expect(r.work?.remove.transactions).toBe(1);
    expect(r.work?.cpu?.injectLeaveMs).toBeGreaterThan(0);
    // Which index the planner picks for an organization of 300 is its business; at scale the full run shows it.
    expect(r.lists?.[0]?.pages.every((p) => p.plan.membershipRowsRead > 0)).toBe(true);
    // Every page (first, deep, and the search and role pages) is keyset-paged: no OFFSET in its SQL.
    expect(r.lists?.[0]?.pages.map((p) => p.page)).toEqual(expect.arrayContaining(['first', 'deep']));
    expect(r.lists?.[0]?.pages.filter((p) => p.plan.sqlHasOffset)).toEqual([]);
    // The audit log export: each format at both sizes, each with its RSS and its live heap sampled (through
    // the bench's heap probe) while streaming, and a verdict per format; whether it says bounded is the
    // full run's business, not this tiny one's.
    expect(r.auditExport?.map((e) => [e.format, e.rows])).toEqual([
      ['jsonl', 300],
      ['jsonl', 3000],
      ['csv', 300],
      ['csv', 3000],
    ]);
    for (const e of r.auditExport ?? []) {
      expect(e.bytes).toBeGreaterThan(0);
      expect(e.heap?.samples).toBeGreaterThan(0);
      expect(e.heap?.liveMaxMiB).toBeGreaterThanOrEqual(e.heap?.beforeMiB ?? Number.POSITIVE_INFINITY);
    }
    expect(r.auditExportVerdicts?.map((v) => [v.format, v.rows, typeof v.bounded])).toEqual([
      ['jsonl', [300, 3000], 'boolean'],
      ['csv', [300, 3000], 'boolean'],
    ]);
    const written = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(written.auditExportVerdicts).toHaveLength(2);
    // Per level and operation: raw, unprepared, Roster (median of rounds), the peer (median).
    expect(written.ops.results).toHaveLength(2 * 2 * 4);
    expect(written.race).toHaveLength(2);
  });
});

// Section `statements` reads the PostgreSQL server's log: only where it is the local Debian server's.
const postgresLog = '/var/log/postgresql/postgresql-15-main.log';
const canReadLog = (() => {
  try {
    readFileSync(postgresLog, { encoding: 'utf8', flag: 'r' }).slice(0, 1);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!databaseUrl || !canReadLog)('bench smoke run of the statements section', () => {
  it("reads each statement of a leave and a removal back from PostgreSQL's log", async () => {
    const r = await runBench(
      tinyOptions({ sections: ['statements'], out: join(dir, 'statements.json'), postgresLog }),
    );
    expect(r.statements?.map((s) => s.kind)).toEqual(['leave', 'remove']);
    for (const s of r.statements ?? []) {
      const phases = s.rows.map((x) => `${x.phase} ${x.statement.split(' ')[0]}`);
      expect(phases).toContain('statement commit');
      expect(phases).toContain('execute select');
      // The organization lock and the read under it: one call of the PL/pgSQL function.
      expect(
        s.rows.some((x) => x.phase === 'execute' && /roster_lock_membership_change/.test(x.statement)),
      ).toBe(true);
      // Every logged statement of the measured operations was read (one COMMIT per operation).
      expect(s.rows.find((x) => x.statement === 'commit')?.perOp).toBe(1);
    }
  });
});

describe.skipIf(!!databaseUrl)('bench smoke run without PostgreSQL', () => {
  it('measures the embedded start and writes the results', async () => {
    const r = await runBench(
      // One start (PGlite takes seconds to start, more on a busy machine); the full run restarts it too.
      tinyOptions({
        sections: ['start'],
        restarts: 0,
        out: join(dir, 'start.json'),
        embeddedEnv: { SEED_DEMO: '0' },
      }),
    );
    expect(r.embeddedStart?.firstStartMs).toBeGreaterThan(0);
    expect(r.embeddedStart?.restartsMs).toEqual([]);
    expect(existsSync(join(dir, 'start.json'))).toBe(true);
  });
});
