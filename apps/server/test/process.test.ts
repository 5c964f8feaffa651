import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@roster/db';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'roster-server-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  // A test that failed half-way leaves no server behind.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * How long a boot may take before the test gives up. No test may depend on the machine's speed: this is
 * a deadline for a hung process, not a measure, and generous enough for a CI machine whose cores are
 * busy with other work (a boot once took more than 30 s with a load average of 11 on two cores).
 */
const BOOT_DEADLINE_MS = 240_000;
/** Each test boots the server up to twice, and waits for it to stop. */
const TEST_TIMEOUT_MS = 3 * BOOT_DEADLINE_MS;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The server's own readiness signal: its "Roster listening on <url>" log line (after migrations and the seed). */
  listening: Promise<string>;
  /** Its JSON log lines so far. */
  logLines: () => Array<Record<string, unknown>>;
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
      // The kernel picks a free port and the log line says which: no port can be taken in between.
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let onOutput = () => {};
  child.stdout?.on('data', (d) => {
    out += d;
    onOutput();
  });
  child.stderr?.on('data', (d) => {
    out += d;
    onOutput();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logLines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no "Roster listening on" line within ${BOOT_DEADLINE_MS} ms:\n${out}`));
    }, BOOT_DEADLINE_MS);
    onOutput = () => {
      const match = /Roster listening on (http:\/\/[^\s"]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${out}`));
    });
  });
  // A rejection nobody awaits (a process expected to fail) must not fail the run.
  listening.catch(() => {});
  return { child, output: () => out, exited, listening, logLines };
}

const EMAIL = 'kept@example.test';

/** Signs up or in as the one account these tests keep. */
function signIn(base: string, path: 'auth.signUp' | 'auth.signIn'): Promise<Response> {
  return fetch(`${base}/trpc/${path}`, {
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
  it(
    'refuses an invalid PORT at start with a message naming it',
    async () => {
      const p = run({ PORT: 'eighty' });
      expect(await p.exited).toBe(2);
      expect(p.output()).toMatch(/PORT must be a number \(got "eighty"\)/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses an invalid DATABASE_URL at start with a message naming it',
    async () => {
      const p = run({ DATABASE_URL: 'mysql://root@localhost/roster' });
      expect(await p.exited).toBe(2);
      expect(p.output()).toMatch(/DATABASE_URL must be a postgres:\/\//);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'boots, answers /healthz and /readyz, logs JSON with request ids, shuts down on SIGTERM, keeps data',
    async () => {
      const first = run({});
      const base = await first.listening;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'req-test-1' } });
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-request-id')).toBe('req-test-1');
      expect(await ready.json()).toEqual({ status: 'ready' });
      // Something to keep: an account made through the API.
      const signUp = await signIn(base, 'auth.signUp');
      expect(signUp.status).toBe(200);
      expect((await signIn(base, 'auth.signIn')).status).toBe(200);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const lines = first.logLines();
      expect(lines.some((l) => l.reqId === 'req-test-1')).toBe(true);
      expect(lines.some((l) => String(l.msg).includes('shutting down'))).toBe(true);

      // Second start on the same data directory: the schema is there, nothing to migrate, data kept.
      const second = run({});
      const again = await second.listening;
      expect((await fetch(`${again}/readyz`)).status).toBe(200);
      expect((await signIn(again, 'auth.signIn')).status).toBe(200);
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
        const sessions = await db
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', user.id)
          .execute();
        expect(sessions).toHaveLength(2);
      } finally {
        await db.destroy();
      }
    },
    TEST_TIMEOUT_MS,
  );

  // Found by review: with NODE_ENV=production on the embedded database, the demo accounts (whose
  // password the README publishes) were created.
  it(
    'never seeds the demo accounts under NODE_ENV=production unless SEED_DEMO=1, and then warns',
    async () => {
      const productionDir = mkdtempSync(join(tmpdir(), 'roster-production-'));
      const demoUsers = async () => {
        const db = createDatabase({ dataDir: productionDir });
        try {
          return (await db.selectFrom('users').select('email').execute()).map((u) => u.email);
        } finally {
          await db.destroy();
        }
      };
      try {
        // Production also requires where mail goes, the public URL and the key webhook secrets are
        // encrypted under; nothing is mailed or delivered here.
        const production = {
          NODE_ENV: 'production',
          DATA_DIR: productionDir,
          SMTP_URL: 'smtp://127.0.0.1:1',
          APP_URL: 'http://localhost',
          WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
        };
        const plain = run(production);
        await plain.listening;
        plain.child.kill('SIGTERM');
        expect(await plain.exited).toBe(0);
        expect(await demoUsers()).toEqual([]);
        expect(plain.output()).not.toMatch(/seeded the demo data/);

        const asked = run({ ...production, SEED_DEMO: '1' });
        await asked.listening;
        asked.child.kill('SIGTERM');
        expect(await asked.exited).toBe(0);
        expect(await demoUsers()).toContain('ada@example.com');
        const warning = asked
          .logLines()
          .find((l) => String(l.msg).includes('SEED_DEMO=1 under NODE_ENV=production'));
        expect(warning?.level).toBe(40); // pino's warn
      } finally {
        rmSync(productionDir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
