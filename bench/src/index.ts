import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELP, parseBenchArgs } from './args';
import {
  type BenchOptions,
  DEFAULT_SECTIONS,
  formatReport,
  fullPlan,
  fullRounds,
  interruptCleanups,
  quickPlan,
  quickRounds,
  runBench,
  SECTIONS,
  type Section,
} from './bench';
import { DEFAULT_DATABASE_URL } from './database';
import { repoRoot, type ServerMode } from './server-process';

const ints = (s: string) =>
  s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);

async function main() {
  let values: ReturnType<typeof parseBenchArgs>;
  try {
    values = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
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
  const sections = (values.only ? values.only.split(',') : DEFAULT_SECTIONS) as Section[];
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
    rounds: Number(values.rounds ?? (quick ? quickRounds() : fullRounds()).rounds),
    raceRounds: Number(values['race-rounds'] ?? (quick ? quickRounds() : fullRounds()).raceRounds),
    listSizes: values.sizes ? ints(values.sizes) : quick ? [1000, 10_000] : [1000, 100_000, 1_000_000],
    listRequests: Number(values['list-requests'] ?? (quick ? 30 : 200)),
    ...(values['export-rows'] ? { exportRows: ints(values['export-rows']) } : {}),
    restarts: Number(values.restarts ?? (quick ? 2 : 5)),
    cpuOps: quick ? 100 : 500,
    serverMode: mode,
    keepDatabase: values['keep-db'],
    out: values.out ?? join(repoRoot, 'bench', 'results', quick ? 'quick.json' : 'latest.json'),
    conditions: values.conditions ?? (quick ? 'quick configuration' : 'full configuration'),
    log: (l) => console.log(`  ${l}`),
    postgresLog: values['postgres-log'],
    profileDir: values.profile ? mkdtempSync(join(tmpdir(), 'roster-bench-profile-')) : undefined,
  };
  const results = await runBench(options);
  console.log(`\n${formatReport(results)}`);
  if (options.out) console.log(`\nwritten to ${options.out}`);
  // Errors, a change the SQL check does not find, or a Roster organization left without an owner fail
  // the run; the performance aims are reported with their verdicts.
  const rosterOwnerless = results.race?.find((x) => x.side === 'roster')?.ownerless ?? 0;
  const failed = (results.ops && (!results.aim?.zeroErrors || !results.aim?.verified)) || rosterOwnerless > 0;
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
