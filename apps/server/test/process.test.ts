import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@roster/db';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'roster-server-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>): Started {
  // The real entry point, as `pnpm start` runs it (through tsx, so no build is needed for the test).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

// Generous: on a shared 2-core machine a cold start (migrations, demo seed) has taken over 30 s.
async function waitFor(url: string, timeoutMs = 240_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const EMAIL = 'kept@example.test';

/** Signs up or in as the one account these tests keep. */
function signIn(port: number, path: 'auth.signUp' | 'auth.signIn'): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: EMAIL,
      password: 'correct horse battery staple',
      ...(path === 'auth.signUp' ? { name: 'Kept' } : {}),
    }),
  });
}

describe('the server process (embedded database)', () => {
  it('refuses an invalid PORT at start with a message naming it', async () => {
    const p = run({ PORT: 'eighty' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/PORT must be a number \(got "eighty"\)/);
  });

  it('refuses an invalid DATABASE_URL at start with a message naming it', async () => {
    const p = run({ DATABASE_URL: 'mysql://root@localhost/roster' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/DATABASE_URL must be a postgres:\/\//);
  });

  it('boots, answers /healthz and /readyz, logs JSON with request ids, shuts down on SIGTERM, keeps data', async () => {
    const port = await freePort();
    const first = run({ PORT: String(port) });
    const health = await waitFor(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, {
      headers: { 'x-request-id': 'req-test-1' },
    });
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-request-id')).toBe('req-test-1');
    expect(await ready.json()).toEqual({ status: 'ready' });
    // Something to keep: an account made through the API.
    const signUp = await signIn(port, 'auth.signUp');
    expect(signUp.status).toBe(200);
    expect((await signIn(port, 'auth.signIn')).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const lines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.reqId === 'req-test-1')).toBe(true);
    expect(lines.some((l) => String(l.msg).includes('shutting down'))).toBe(true);

    // Second start on the same data directory: the schema is there, nothing to migrate, data kept.
    const second = run({ PORT: String(port) });
    const again = await waitFor(`http://127.0.0.1:${port}/readyz`);
    expect(again.status).toBe(200);
    expect((await signIn(port, 'auth.signIn')).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    // The rows are in the data directory: the account and its two sessions.
    const db = createDatabase({ dataDir });
    try {
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', EMAIL)
        .executeTakeFirstOrThrow();
      const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
      expect(sessions).toHaveLength(2);
    } finally {
      await db.destroy();
    }
  }, 600_000);
});
