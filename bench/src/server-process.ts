import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nowMs } from './stats';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const serverDir = join(repoRoot, 'apps', 'server');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export type ServerMode = 'dist' | 'tsx';

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is none. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak resident set size (Linux: writing 5 to /proc/<pid>/clear_refs), so that
 * `peakRssMiB` afterwards reads the peak of what follows; false where that is not allowed.
 */
export function resetPeakRss(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The peak resident set size of a process (VmHWM, MiB) since it started or since `resetPeakRss`. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

// USER_HZ: 100 on Linux x86 and arm.
const CLOCK_TICKS = 100;

const HEAP_PROBE = pathToFileURL(join(import.meta.dirname, 'heap-probe.mjs')).href;

/** `process.memoryUsage()` of a server process, in MiB, read right after a full garbage collection. */
export interface HeapAfterGc {
  heapUsedMiB: number;
  /** Memory of C++ objects bound to JS objects (Buffers' backing stores included). */
  externalMiB: number;
  rssMiB: number;
}

let heapRequests = 0;

/**
 * Asks a server started with `heapProbe: true` to collect its garbage and report what remains: the live
 * heap, unlike RSS, which also holds garbage V8 has not collected yet and pages it has not given back.
 */
export function heapAfterGc(child: ChildProcess, timeoutMs = 30_000): Promise<HeapAfterGc> {
  const id = ++heapRequests;
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the server did not answer the heap probe (started without heapProbe?)'));
    }, timeoutMs);
    const onMessage = (m: { type?: string; id?: number } & Partial<NodeJS.MemoryUsage>) => {
      if (m?.type !== 'heap' || m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({
        heapUsedMiB: mib(m.heapUsed ?? 0),
        externalMiB: mib(m.external ?? 0),
        rssMiB: mib(m.rss ?? 0),
      });
    };
    if (!child.connected) {
      clearTimeout(timer);
      reject(new Error('the server has no IPC channel (started without heapProbe?)'));
      return;
    }
    child.on('message', onMessage);
    child.send({ type: 'heap', id });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** ms from spawn to the first 200 from /readyz. */
  readyMs: number;
  /** CPU time the server process has used so far (ms). */
  cpuMs(): number | undefined;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `@roster/server` in a process of its own: the built bundle (`apps/server/dist/main.js`, what
 * `pnpm start` runs) or, with mode `tsx`, the source through tsx (no build needed).
 */
export async function startServerProcess(options: {
  env: Record<string, string>;
  mode: ServerMode;
  timeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Another program to run with node instead of Roster's server (the peer), with its working directory. */
  script?: { path: string; cwd: string };
  /**
   * Preload the bench's heap probe (`heap-probe.mjs`, with `--expose-gc` and an IPC channel), so that
   * `heapAfterGc` can read the process's live heap. Bench-only: the server itself exposes no GC.
   */
  heapProbe?: boolean;
}): Promise<ServerProcess> {
  const port = await freePort();
  const dist = join(serverDir, 'dist', 'main.js');
  if (!options.script && options.mode === 'dist' && !existsSync(dist)) {
    throw new Error(`${dist} is missing: run \`pnpm --filter @roster/server build\` (pnpm bench does)`);
  }
  const args = [
    ...(options.nodeArgs ?? []),
    ...(options.heapProbe ? ['--expose-gc', '--import', HEAP_PROBE] : []),
    ...(options.script
      ? [options.script.path]
      : options.mode === 'dist'
        ? [dist]
        : ['--import', 'tsx', join(serverDir, 'src', 'main.ts')]),
  ];
  const t0 = nowMs();
  const child = spawn(process.execPath, args, {
    cwd: options.script?.cwd ?? serverDir,
    env: {
      ...process.env,
      // NODE_ENV=production requires a mail server and the public URL; the bench sends no mail.
      SMTP_URL: 'smtp://127.0.0.1:9',
      APP_URL: `http://127.0.0.1:${port}`,
      MAILER_INTERVAL_MS: '0',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // Required in production; the bench's webhooks are throwaway.
      WEBHOOK_SECRETS_KEY: 'bench-webhook-secrets-key-not-a-real-secret',
      ...options.env,
    },
    stdio: options.heapProbe ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let readyMs = 0;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before ready:\n${out}`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) {
        readyMs = nowMs() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${options.timeoutMs ?? 60_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    url,
    child,
    readyMs,
    cpuMs: () => processCpuMs(child.pid),
    output: () => out,
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
