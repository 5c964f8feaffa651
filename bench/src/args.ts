import { parseArgs } from 'node:util';
import { SECTIONS } from './bench';
import { DEFAULT_DATABASE_URL } from './database';

export const HELP = `pnpm bench [options]        (pnpm bench -- [options] works the same)

  --quick              small configuration (minutes, not a quarter of an hour): fewer operations,
                       3 rounds against the peer, lists of 1k and 10k
  --only=a,b           sections to run: ${SECTIONS.join(', ')}
                       (default: all but statements, which reads the PostgreSQL server's log)
  --rounds=n           rounds of Roster and the peer, alternately, per operation and level (default 5; quick 3)
  --race-rounds=n      two-owner race rounds per side (default 50; quick 20)
  --sizes=n,n          members.list organization sizes (default 1000,100000,1000000; quick 1000,10000)
  --levels=n,n         concurrent callers (default 1,16,64)
  --ops=n              measured operations per level (default 1000 at 1, 4000 otherwise; quick 100/400)
  --list-requests=n    requests per list page (default 200; quick 30)
  --export-rows=n,n    audit log export sizes, after the lists (default 10000,100000; with a list
                       of 1M members also 1000000)
  --restarts=n         embedded restarts measured (default 5; quick 2)
  --server=dist|tsx    run the built server (default; built first) or its source through tsx
  --no-build           do not build the server first
  --keep-db            keep the bench databases afterwards (their URLs are printed)
  --out=path           JSON results (default bench/results/latest.json; quick: bench/results/quick.json)
  --conditions=text    describe the conditions of the run (recorded in the JSON)
  --profile            profile the server (node --cpu-prof) and print where its CPU time goes
  --postgres-log=path  the PostgreSQL server's log, for --only=statements
                       (default /var/log/postgresql/postgresql-<major>-main.log)
  --help               this text

DATABASE_URL (default ${DEFAULT_DATABASE_URL}) must allow CREATE DATABASE; the bench creates and drops
its own roster_bench_* databases (Roster's, and the peer's roster_bench_*_peer).`;

/**
 * The bench's command line. A literal `--` is dropped wherever it stands (`pnpm bench -- --quick` hands
 * the script `-- --quick`, and flags after it must still count); unknown flags and positional arguments
 * are refused, never ignored.
 */
export function parseBenchArgs(argv: string[]) {
  return parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      'race-rounds': { type: 'string' },
      sizes: { type: 'string' },
      levels: { type: 'string' },
      ops: { type: 'string' },
      'list-requests': { type: 'string' },
      'export-rows': { type: 'string' },
      restarts: { type: 'string' },
      server: { type: 'string', default: 'dist' },
      'no-build': { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
      out: { type: 'string' },
      conditions: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'postgres-log': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
    strict: true,
  }).values;
}
