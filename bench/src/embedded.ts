import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerMode, startServerProcess } from './server-process';
import { round, summarize } from './stats';

export interface EmbeddedStartResult {
  /** ms from spawning the server process to /readyz answering 200, on a fresh data directory. */
  firstStartMs: number;
  /** The same on the existing data directory, one figure per restart. */
  restartsMs: number[];
  p50Ms: number;
  maxMs: number;
  mode: ServerMode;
}

/**
 * Embedded start: the server process on PGlite (no DATABASE_URL). It is started once to create and
 * migrate the data directory, then restarted `restarts` times; each time is spawn -> /readyz 200.
 */
export async function measureEmbeddedStart(
  restarts: number,
  mode: ServerMode,
  extraEnv: Record<string, string> = {},
): Promise<EmbeddedStartResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-pglite-'));
  try {
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, ...extraEnv };
    const first = await startServerProcess({ env, mode });
    await first.stop();
    const restartsMs: number[] = [];
    for (let i = 0; i < restarts; i++) {
      const s = await startServerProcess({ env, mode });
      restartsMs.push(round(s.readyMs, 0));
      await s.stop();
    }
    const sum = summarize(restartsMs);
    return { firstStartMs: round(first.readyMs, 0), restartsMs, p50Ms: sum.p50, maxMs: sum.max, mode };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
