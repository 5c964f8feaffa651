import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchOptions, runBench } from '../src/bench';
import { summarizePlan } from '../src/lists';
import { summarize } from '../src/stats';

// A smoke run of the bench in a tiny configuration, so the code keeps working; it measures nothing
// worth reading. The full bench is `pnpm bench`, never part of `pnpm test`.
const dir = mkdtempSync(join(tmpdir(), 'roster-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const databaseUrl = process.env.DATABASE_URL;

function tinyOptions(overrides: Partial<BenchOptions>): BenchOptions {
  return {
    databaseUrl: databaseUrl ?? '',
    sections: ['ops', 'work', 'lists', 'start'],
    plan: { levels: [1, 4], warmup: 2, measured: { 1: 8, 4: 16 }, orgs: 16 },
    listSizes: [300],
    listRequests: 3,
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
  });
});

describe.skipIf(!databaseUrl)('bench smoke run on PostgreSQL', () => {
  it('runs every section, verifies the changes in SQL and writes the results', async () => {
    // The embedded start is smoke-tested by the run without DATABASE_URL.
    const r = await runBench(tinyOptions({ sections: ['ops', 'work', 'lists'] }));
    expect(r.ops?.results.every((x) => x.errors === 0)).toBe(true);
    expect(r.ops?.verification.map((v) => v.ok)).toEqual([true, true, true, true, true, true]);
    expect(r.ops?.verification.find((v) => v.scenario === 'lh')?.expectedChanged).toBe(2 * 2 + 8 + 16);
    expect(r.work?.leave.transactions).toBe(1);
    expect(r.work?.remove.transactions).toBe(1);
    expect(r.work?.cpu?.injectLeaveMs).toBeGreaterThan(0);
    // Which index the planner picks for an organization of 300 is its business; at scale the full run shows it.
    expect(r.lists?.[0]?.pages.every((p) => p.plan.membershipRowsRead > 0)).toBe(true);
    expect(r.lists?.[0]?.pages.map((p) => p.plan.sqlHasOffset)).toEqual([false, false]);
    const written = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(written.ops.results).toHaveLength(2 * 2 * 3);
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
