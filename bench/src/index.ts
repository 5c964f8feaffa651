import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BenchOptions,
  formatReport,
  fullPlan,
  interruptCleanups,
  quickPlan,
  runBench,
  SECTIONS,
  type Section,
} from './bench';
import { DEFAULT_DATABASE_URL } from './database';
import { repoRoot, type ServerMode } from './server-process';

const HELP = `pnpm bench [-- options]

  --quick              small configuration (seconds, not minutes): fewer operations, lists of 1k and 10k
  --only=a,b           sections to run: ${SECTIONS.join(', ')} (default: all)
  --sizes=n,n          members.list organization sizes (default 1000,100000,1000000; quick 1000,10000)
  --levels=n,n         concurrent callers (default 1,16,64)
  --ops=n              measured operations per level (default 1000 at 1, 4000 otherwise; quick 100/400)
  --list-requests=n    requests per list page (default 200; quick 30)
  --restarts=n         embedded restarts measured (default 5; quick 2)
  --server=dist|tsx    run the built server (default; built first) or its source through tsx
  --no-build           do not build the server first
  --keep-db            keep the bench database afterwards (its URL is printed)
  --out=path           JSON results (default bench/results/latest.json; quick: bench/results/quick.json)
  --conditions=text    describe the conditions of the run (recorded in the JSON)
  --profile            profile the server (node --cpu-prof) and print where its CPU time goes

DATABASE_URL (default ${DEFAULT_DATABASE_URL}) must allow CREATE DATABASE; the bench creates and drops
its own roster_bench_* database.`;

const ints = (s: string) =>
  s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      sizes: { type: 'string' },
      levels: { type: 'string' },
      ops: { type: 'string' },
      'list-requests': { type: 'string' },
      restarts: { type: 'string' },
      server: { type: 'string', default: 'dist' },
      'no-build': { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
      out: { type: 'string' },
      conditions: { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const quick = values.quick;
  const plan = quick ? quickPlan() : fullPlan();
  if (values.levels) {
    plan.levels = ints(values.levels);
    for (const c of plan.levels) plan.measured[c] ??= quick ? 400 : 4000;
  }
  if (values.ops) for (const c of plan.levels) plan.measured[c] = Number(values.ops);
  plan.orgs = Math.max(plan.orgs, 4 * Math.max(...plan.levels));
  const sections = (values.only ? values.only.split(',') : SECTIONS) as Section[];
  for (const s of sections)
    if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(', ')})`);
  const mode = values.server as ServerMode;
  if (mode !== 'dist' && mode !== 'tsx') throw new Error('--server must be dist or tsx');
  if (mode === 'dist' && !values['no-build']) {
    console.log('building @roster/server ...');
    execFileSync('pnpm', ['--filter', '@roster/server', 'run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  }
  const options: BenchOptions = {
    databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    sections,
    plan,
    listSizes: values.sizes ? ints(values.sizes) : quick ? [1000, 10_000] : [1000, 100_000, 1_000_000],
    listRequests: Number(values['list-requests'] ?? (quick ? 30 : 200)),
    restarts: Number(values.restarts ?? (quick ? 2 : 5)),
    cpuOps: quick ? 100 : 500,
    serverMode: mode,
    keepDatabase: values['keep-db'],
    out: values.out ?? join(repoRoot, 'bench', 'results', quick ? 'quick.json' : 'latest.json'),
    conditions: values.conditions ?? (quick ? 'quick configuration' : 'full configuration'),
    log: (l) => console.log(`  ${l}`),
    profileDir: values.profile ? mkdtempSync(join(tmpdir(), 'roster-bench-profile-')) : undefined,
  };
  const results = await runBench(options);
  console.log(`\n${formatReport(results)}`);
  if (options.out) console.log(`\nwritten to ${options.out}`);
  const failed = results.ops && (!results.aim?.zeroErrors || !results.aim?.verified);
  if (failed) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server and dropping the bench database`);
    Promise.all([...interruptCleanups].map((c) => c())).finally(() => process.exit(130));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
