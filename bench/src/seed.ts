import type pg from 'pg';
import { sessionToken, sqlSessionToken, sqlSessionTokenHash } from './roster';

/**
 * Set-based seeding (generate_series, one statement per table), with deterministic ids:
 * `bench_uuid(key)::uuid` in SQL is `uuidFor(key)` in the bench, so nothing is read back.
 *
 * A scenario `s` with `orgs` organizations and `ops` operations:
 * - organization n (1..orgs): id bench_uuid('s:org:n'), one owner bench_uuid('s:owner:n');
 * - operation i (0..ops-1) happens in organization (i % orgs) + 1, so concurrent operations touch
 *   different organizations (the organization row lock serializes changes within one);
 * - leave: member bench_uuid('s:member:i') (membership bench_uuid('s:m:member:i')) with a session (token `sessionToken(s, 'member', i)`) whose
 *   active organization is the one they leave;
 * - remove: additionally an admin bench_uuid('s:admin:i') with a session, who removes member i.
 */
export interface OpsScenario {
  name: string;
  kind: 'leave' | 'remove';
  orgs: number;
  ops: number;
}

export function orgNumberOf(scenario: OpsScenario, op: number): number {
  return (op % scenario.orgs) + 1;
}

const TOKEN_SQL = (role: string) => sqlSessionToken(`'roster-bench:' || $1 || ':${role}:' || i`);

export async function seedOpsScenario(client: pg.Client, s: OpsScenario): Promise<void> {
  if (!/^[a-z0-9]+$/.test(s.name)) throw new Error(`scenario name must be [a-z0-9]+: ${s.name}`);
  const p = [s.name, s.orgs];
  await client.query(
    `insert into organizations (id, name, slug)
     select bench_uuid($1 || ':org:' || n)::uuid, 'Bench ' || $1 || ' ' || n, $1 || '-o' || n
     from generate_series(1, $2::int) n`,
    p,
  );
  await client.query(
    `insert into users (id, email, name)
     select bench_uuid($1 || ':owner:' || n)::uuid, $1 || '-owner-' || n || '@bench.test', 'Owner ' || n
     from generate_series(1, $2::int) n`,
    p,
  );
  await client.query(
    `insert into memberships (organization_id, user_id, role, created_at)
     select bench_uuid($1 || ':org:' || n)::uuid, bench_uuid($1 || ':owner:' || n)::uuid, 'owner', now() - interval '1 day'
     from generate_series(1, $2::int) n`,
    p,
  );
  const roles = s.kind === 'leave' ? ['member'] : ['member', 'admin'];
  for (const role of roles) {
    const q = [s.name, s.orgs, s.ops];
    await client.query(
      `insert into users (id, email, name)
       select bench_uuid($1 || ':${role}:' || i)::uuid, $1 || '-${role}-' || i || '@bench.test', '${role} ' || i
       from generate_series(0, $3::int - 1) i where $2::int > 0`,
      q,
    );
    await client.query(
      `insert into memberships (id, organization_id, user_id, role, created_at)
       select bench_uuid($1 || ':m:${role}:' || i)::uuid, bench_uuid($1 || ':org:' || ((i % $2::int) + 1))::uuid,
              bench_uuid($1 || ':${role}:' || i)::uuid, '${role}',
              now() - interval '1 hour' + i * interval '1 millisecond'
       from generate_series(0, $3::int - 1) i`,
      q,
    );
    await client.query(
      `insert into sessions (user_id, token_hash, active_organization_id, expires_at)
       select bench_uuid($1 || ':${role}:' || i)::uuid, ${sqlSessionTokenHash(TOKEN_SQL(role))},
              bench_uuid($1 || ':org:' || ((i % $2::int) + 1))::uuid, now() + interval '7 days'
       from generate_series(0, $3::int - 1) i`,
      q,
    );
  }
}

/** The session token of seeded person `role` number `i` in scenario `s` (matches TOKEN_SQL). */
export function seededToken(scenario: string, role: string, i: number): string {
  return sessionToken(`roster-bench:${scenario}:${role}:${i}`);
}

/**
 * Organizations for members.list: users `lu:1..maxSize` are shared; organization `list:<size>` has
 * the first `size` of them as members (created one second apart, so the keyset order is total)
 * plus an owner `list:<size>:owner` with a session, who reads the list.
 */
export async function seedListUsers(client: pg.Client, maxSize: number): Promise<void> {
  await client.query(
    `insert into users (id, email, name)
     select bench_uuid('lu:' || n)::uuid, 'lu-' || n || '@bench.test', 'List member ' || n
     from generate_series(1, $1::int) n`,
    [maxSize],
  );
}

export async function seedListOrganization(client: pg.Client, size: number): Promise<void> {
  const s = `list${size}`;
  await client.query(
    `insert into organizations (id, name, slug) values (bench_uuid($1 || ':org')::uuid, 'List ' || $1, $1)`,
    [s],
  );
  await client.query(
    `insert into users (id, email, name) values (bench_uuid($1 || ':owner')::uuid, $1 || '-owner@bench.test', 'Owner')`,
    [s],
  );
  await client.query(
    `insert into memberships (organization_id, user_id, role, created_at)
     values (bench_uuid($1 || ':org')::uuid, bench_uuid($1 || ':owner')::uuid, 'owner', timestamptz '2025-01-01')`,
    [s],
  );
  await client.query(
    `insert into sessions (user_id, token_hash, active_organization_id, expires_at)
     values (bench_uuid($1 || ':owner')::uuid,
             ${sqlSessionTokenHash(sqlSessionToken(`'roster-bench:' || $1 || ':owner:0'`))},
             bench_uuid($1 || ':org')::uuid, now() + interval '7 days')`,
    [s],
  );
  await client.query(
    `insert into memberships (organization_id, user_id, role, created_at)
     select bench_uuid($1 || ':org')::uuid, bench_uuid('lu:' || n)::uuid,
            (array['member', 'member', 'member', 'viewer', 'admin'])[1 + n % 5],
            timestamptz '2026-01-01' + n * interval '1 second'
     from generate_series(1, $2::int) n`,
    [s, size],
  );
}
