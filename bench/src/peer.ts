import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withAdminClient, withDatabase } from '@roster/db/testing';
import type pg from 'pg';
import type { BenchDatabase } from './database';
import { HttpClient } from './http';
import { BENCH_UUID_FUNCTION, uuidFor } from './ids';
import { sessionToken, sqlSessionToken } from './roster';
import { type OpsScenario, orgNumberOf } from './seed';
import { repoRoot, type ServerProcess, startServerProcess } from './server-process';

/**
 * The peer: better-auth with its organization plugin (`bench/peer/server.mjs`), a server process of its
 * own over HTTP, on a PostgreSQL database of its own (`roster_bench_<random>_peer`), its tables made by
 * its own migrations. The bench seeds the same shape as Roster's in its tables (organizations, an owner
 * each, members, admins, sessions whose active organization is theirs) and drives
 * `POST /api/auth/organization/leave` and `POST /api/auth/organization/remove-member` with each seeded
 * person's signed session cookie.
 *
 * Sessions are seeded in its `session` table, not signed in through its API: a sign-in hashes a
 * password with scrypt (about half a second each on this machine), and a full run needs more than
 * 100,000 sessions. `checkSeededSession` proves a seeded cookie is a real session to better-auth
 * (`GET /api/auth/get-session` answers its user); `signInThroughApi` signs one person up and in through
 * the API, and its session row has the same shape as the seeded ones.
 */
export const PEER_NAME = 'better-auth';
export const PEER_SECRET = 'roster-bench-peer-secret-0123456789abcdef';
export const PEER_COOKIE = 'better-auth.session_token';
export const peerScript = join(repoRoot, 'bench', 'peer', 'server.mjs');

export function peerVersion(): string {
  try {
    const pkg = join(repoRoot, 'bench', 'node_modules', 'better-auth', 'package.json');
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** The database of the peer, next to Roster's: created, migrated by better-auth itself, dropped at the end. */
export async function createPeerDatabase(baseUrl: string, rosterDatabase: string): Promise<BenchDatabase> {
  const name = `${rosterDatabase}_peer`;
  await withAdminClient(baseUrl, (c) => c.query(`create database ${name}`));
  const url = withDatabase(baseUrl, name);
  const drop = async () => {
    await withAdminClient(baseUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
  };
  try {
    execFileSync(process.execPath, [peerScript, '--migrate'], {
      cwd: join(repoRoot, 'bench'),
      env: { ...process.env, DATABASE_URL: url, PEER_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await withAdminClient(url, (c) => c.query(BENCH_UUID_FUNCTION));
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { name, url, drop };
}

export function startPeerServer(url: string, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startServerProcess({
    env: { DATABASE_URL: url, PEER_SECRET },
    mode: 'dist',
    nodeArgs,
    script: { path: peerScript, cwd: join(repoRoot, 'bench') },
  });
}

/** better-call's signed cookie: `<token>.<base64 HMAC-SHA256 of the token>`, URL-encoded. */
export function peerCookie(token: string): string {
  const signature = createHmac('sha256', PEER_SECRET).update(token).digest('base64');
  return `${PEER_COOKIE}=${encodeURIComponent(`${token}.${signature}`)}`;
}

function peerToken(scenario: string, role: string, i: number): string {
  return sessionToken(`roster-bench-peer:${scenario}:${role}:${i}`);
}

const PEER_TOKEN_SQL = (role: string) => sqlSessionToken(`'roster-bench-peer:' || $1 || ':${role}:' || i`);

/** Ids in the peer's tables are text; the bench uses the same deterministic UUIDs as for Roster. */
export function peerOrganizationId(s: OpsScenario, i: number): string {
  return uuidFor(`${s.name}:org:${orgNumberOf(s, i)}`);
}

export function peerTargetMemberId(s: OpsScenario, i: number): string {
  return uuidFor(`${s.name}:m:member:${i}`);
}

export function peerActor(s: OpsScenario, i: number) {
  const role = s.kind === 'leave' ? 'member' : 'admin';
  return { userId: uuidFor(`${s.name}:${role}:${i}`), token: peerToken(s.name, role, i) };
}

/** The same shape as `seedOpsScenario`, in better-auth's tables (hard-deleted members, text ids). */
export async function seedPeerScenario(client: pg.Client, s: OpsScenario): Promise<void> {
  if (!/^[a-z0-9]+$/.test(s.name)) throw new Error(`scenario name must be [a-z0-9]+: ${s.name}`);
  const p = [s.name, s.orgs];
  await client.query(
    `insert into organization (id, name, slug, "createdAt")
     select bench_uuid($1 || ':org:' || n)::text, 'Bench ' || $1 || ' ' || n, $1 || '-o' || n, now()
     from generate_series(1, $2::int) n`,
    p,
  );
  await client.query(
    `insert into "user" (id, email, name, "emailVerified")
     select bench_uuid($1 || ':owner:' || n)::text, $1 || '-owner-' || n || '@bench.test', 'Owner ' || n, true
     from generate_series(1, $2::int) n`,
    p,
  );
  await client.query(
    `insert into member (id, "organizationId", "userId", role, "createdAt")
     select bench_uuid($1 || ':m:owner:' || n)::text, bench_uuid($1 || ':org:' || n)::text,
            bench_uuid($1 || ':owner:' || n)::text, 'owner', now() - interval '1 day'
     from generate_series(1, $2::int) n`,
    p,
  );
  const roles = s.kind === 'leave' ? ['member'] : ['member', 'admin'];
  for (const role of roles) {
    const q = [s.name, s.orgs, s.ops];
    await client.query(
      `insert into "user" (id, email, name, "emailVerified")
       select bench_uuid($1 || ':${role}:' || i)::text, $1 || '-${role}-' || i || '@bench.test', '${role} ' || i, true
       from generate_series(0, $3::int - 1) i where $2::int > 0`,
      q,
    );
    await client.query(
      `insert into member (id, "organizationId", "userId", role, "createdAt")
       select bench_uuid($1 || ':m:${role}:' || i)::text, bench_uuid($1 || ':org:' || ((i % $2::int) + 1))::text,
              bench_uuid($1 || ':${role}:' || i)::text, '${role}', now() - interval '1 hour'
       from generate_series(0, $3::int - 1) i`,
      q,
    );
    await client.query(
      `insert into session (id, token, "userId", "activeOrganizationId", "expiresAt", "createdAt", "updatedAt")
       select bench_uuid($1 || ':s:${role}:' || i)::text, ${PEER_TOKEN_SQL(role)},
              bench_uuid($1 || ':${role}:' || i)::text, bench_uuid($1 || ':org:' || ((i % $2::int) + 1))::text,
              now() + interval '7 days', now(), now()
       from generate_series(0, $3::int - 1) i`,
      q,
    );
  }
}

/** Throws unless better-auth answers with its 2xx. */
export async function peerPost(
  client: HttpClient,
  baseUrl: string,
  path: string,
  cookie: string,
  body: unknown,
): Promise<unknown> {
  const res = await client.request(
    'POST',
    `/api/auth${path}`,
    { cookie, origin: baseUrl },
    JSON.stringify(body),
  );
  if (res.status < 200 || res.status > 299)
    throw new Error(`${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return res.body ? JSON.parse(res.body) : undefined;
}

/** Operation `i` of `s` on the peer: the member leaves, or the admin removes the member. */
export function peerOperation(
  client: HttpClient,
  baseUrl: string,
  s: OpsScenario,
  i: number,
): Promise<unknown> {
  const organizationId = peerOrganizationId(s, i);
  const cookie = peerCookie(peerActor(s, i).token);
  return s.kind === 'leave'
    ? peerPost(client, baseUrl, '/organization/leave', cookie, { organizationId })
    : peerPost(client, baseUrl, '/organization/remove-member', cookie, {
        organizationId,
        memberIdOrEmail: peerTargetMemberId(s, i),
      });
}

/** A seeded cookie is a real session to better-auth: get-session answers its user. */
export async function checkSeededSession(baseUrl: string, s: OpsScenario): Promise<void> {
  const client = new HttpClient(baseUrl, 1);
  try {
    const actor = peerActor(s, 0);
    const res = await client.request('GET', '/api/auth/get-session', { cookie: peerCookie(actor.token) });
    const body = JSON.parse(res.body || 'null') as { user?: { id: string } } | null;
    if (res.status !== 200 || body?.user?.id !== actor.userId) {
      throw new Error(`a seeded peer session is not accepted: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    }
  } finally {
    client.close();
  }
}

/**
 * Signs one person up and in through better-auth's API (email and password) and returns the session
 * row it wrote, to compare with the seeded ones.
 */
export async function signInThroughApi(baseUrl: string, peerDb: pg.Client): Promise<Record<string, unknown>> {
  const client = new HttpClient(baseUrl, 1);
  try {
    const email = `signin-${randomBytes(4).toString('hex')}@bench.test`;
    const credentials = { email, password: 'bench-password-1234' };
    await peerPost(client, baseUrl, '/sign-up/email', '', { ...credentials, name: 'Signed in' });
    const res = (await peerPost(client, baseUrl, '/sign-in/email', '', credentials)) as { token: string };
    const { rows } = await peerDb.query('select * from session where token = $1', [res.token]);
    if (rows.length !== 1) throw new Error('sign-in through the API wrote no session row');
    return rows[0];
  } finally {
    client.close();
  }
}

/** How many statements (round trips to PostgreSQL) the peer server has sent so far. */
export async function peerStatements(client: HttpClient): Promise<number> {
  const res = await client.request('GET', '/bench/statements', {});
  return (JSON.parse(res.body) as { statements: number }).statements;
}

export interface PeerVerification {
  scenario: string;
  expectedChanged: number;
  /** Members of the scenario's organizations that are gone (better-auth deletes the row). */
  removedMemberships: number;
  /** Of those, the ones the operations that succeeded meant to end. */
  removedExpected: number;
  /** Sessions of the leavers still pointing at the organization they left (leave only). */
  sessionPointersLeft: number;
  ok: boolean;
}

/** Afterwards, in SQL: exactly the members of the operations that succeeded are gone, nothing else. */
export async function verifyPeerScenario(
  client: pg.Client,
  s: OpsScenario,
  ok: Set<number>,
): Promise<PeerVerification> {
  const ids = [...ok].map((i) => peerTargetMemberId(s, i));
  const one = async (text: string, values: unknown[]) => Number((await client.query(text, values)).rows[0].n);
  const seeded = s.orgs + s.ops * (s.kind === 'leave' ? 1 : 2);
  const present = await one(
    `select count(*)::int n from member where "organizationId" in (select id from organization where slug like $1 || '-o%')`,
    [s.name],
  );
  const stillThere = await one('select count(*)::int n from member where id = any($1::text[])', [ids]);
  const sessionPointersLeft =
    s.kind === 'leave'
      ? await one(
          `select count(*)::int n from session where "activeOrganizationId" is not null
           and "userId" = any($1::text[])`,
          [[...ok].map((i) => peerActor(s, i).userId)],
        )
      : 0;
  const n = ids.length;
  const removedMemberships = seeded - present;
  const removedExpected = n - stillThere;
  return {
    scenario: s.name,
    expectedChanged: n,
    removedMemberships,
    removedExpected,
    sessionPointersLeft,
    ok: removedMemberships === n && removedExpected === n && sessionPointersLeft === 0,
  };
}
