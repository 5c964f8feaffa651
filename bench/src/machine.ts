import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './server-process';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    loadAverageAtEnd: undefined as number[] | undefined,
  };
}

function versionOf(packageJson: string): string {
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function versions(postgres: string) {
  const pkg = (dir: string) => versionOf(join(repoRoot, dir, 'package.json'));
  const dep = (name: string) =>
    versionOf(join(repoRoot, 'apps', 'server', 'node_modules', name, 'package.json'));
  return {
    node: process.version,
    postgres,
    /** The commit measured; `dirty` when the working tree had uncommitted changes (bundled into the server too). */
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    roster: {
      '@roster/db': pkg('packages/db'),
      '@roster/api': pkg('packages/api'),
      '@roster/server': pkg('apps/server'),
    },
    kysely: dep('kysely'),
    fastify: dep('fastify'),
    '@trpc/server': dep('@trpc/server'),
    pg: dep('pg'),
    '@electric-sql/pglite': dep('@electric-sql/pglite'),
  };
}
