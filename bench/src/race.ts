import type pg from 'pg';
import { HttpClient, trpcMutation } from './http';
import { uuidFor } from './ids';
import { peerCookie, peerPost } from './peer';
import { leaveInput, sessionHeaders, sessionToken, sqlSessionToken, sqlSessionTokenHash } from './roster';

/**
 * The two-owner race: an organization with exactly two owners (and no one else), both of whom leave at
 * the same moment (two requests sent together on two warm keep-alive sockets). Exactly one may go; a
 * round that ends with no owner left is a broken promise. `rounds` organizations per side, one round
 * after another. Roster must refuse one of the two (AT_LEAST_ONE_OWNER_REQUIRED, checked under the
 * organization's lock); better-auth counts the owners without a lock.
 */
export interface RaceResult {
  side: string;
  rounds: number;
  /** Rounds where both leaves answered success. */
  bothLeft: number;
  /** Rounds where one leave was refused (the other went through). */
  oneRefused: number;
  /** Rounds that ended with no owner, read in SQL afterwards. */
  ownerless: number;
  errors: string[];
}

const RACE = 'race';
const owner = (who: 'a' | 'b', n: number) => uuidFor(`${RACE}:owner${who}:${n}`);
export const raceOrganizationId = (n: number) => uuidFor(`${RACE}:org:${n}`);
const ROSTER_TOKEN_SQL = (who: string) => sqlSessionToken(`'roster-bench:race:${who}:' || n`);
const rosterToken = (who: string, n: number) => sessionToken(`roster-bench:race:${who}:${n}`);
const PEER_TOKEN_SQL = (who: string) => sqlSessionToken(`'roster-bench-peer:race:${who}:' || n`);
const peerToken = (who: string, n: number) => sessionToken(`roster-bench-peer:race:${who}:${n}`);

export async function seedRosterRace(client: pg.Client, rounds: number): Promise<void> {
  await client.query(
    `insert into organizations (id, name, slug)
     select bench_uuid('race:org:' || n)::uuid, 'Race ' || n, 'race-o' || n from generate_series(1, $1::int) n`,
    [rounds],
  );
  for (const who of ['a', 'b']) {
    await client.query(
      `insert into users (id, email, name)
       select bench_uuid('race:owner${who}:' || n)::uuid, 'race-${who}-' || n || '@bench.test', 'Owner ${who}'
       from generate_series(1, $1::int) n`,
      [rounds],
    );
    await client.query(
      `insert into memberships (organization_id, user_id, role, created_at)
       select bench_uuid('race:org:' || n)::uuid, bench_uuid('race:owner${who}:' || n)::uuid, 'owner', now() - interval '1 day'
       from generate_series(1, $1::int) n`,
      [rounds],
    );
    await client.query(
      `insert into sessions (user_id, token_hash, active_organization_id, expires_at)
       select bench_uuid('race:owner${who}:' || n)::uuid, ${sqlSessionTokenHash(ROSTER_TOKEN_SQL(who))},
              bench_uuid('race:org:' || n)::uuid, now() + interval '7 days'
       from generate_series(1, $1::int) n`,
      [rounds],
    );
  }
}

export async function seedPeerRace(client: pg.Client, rounds: number): Promise<void> {
  await client.query(
    `insert into organization (id, name, slug, "createdAt")
     select bench_uuid('race:org:' || n)::text, 'Race ' || n, 'race-o' || n, now() from generate_series(1, $1::int) n`,
    [rounds],
  );
  for (const who of ['a', 'b']) {
    await client.query(
      `insert into "user" (id, email, name, "emailVerified")
       select bench_uuid('race:owner${who}:' || n)::text, 'race-${who}-' || n || '@bench.test', 'Owner ${who}', true
       from generate_series(1, $1::int) n`,
      [rounds],
    );
    await client.query(
      `insert into member (id, "organizationId", "userId", role, "createdAt")
       select bench_uuid('race:m:${who}:' || n)::text, bench_uuid('race:org:' || n)::text,
              bench_uuid('race:owner${who}:' || n)::text, 'owner', now() - interval '1 day'
       from generate_series(1, $1::int) n`,
      [rounds],
    );
    await client.query(
      `insert into session (id, token, "userId", "activeOrganizationId", "expiresAt", "createdAt", "updatedAt")
       select bench_uuid('race:s:${who}:' || n)::text, ${PEER_TOKEN_SQL(who)},
              bench_uuid('race:owner${who}:' || n)::text, bench_uuid('race:org:' || n)::text,
              now() + interval '7 days', now(), now()
       from generate_series(1, $1::int) n`,
      [rounds],
    );
  }
}

type Leave = (client: HttpClient, who: 'a' | 'b', n: number) => Promise<unknown>;

async function race(
  side: string,
  baseUrl: string,
  rounds: number,
  warm: string,
  leave: Leave,
  ownerless: () => Promise<number>,
): Promise<RaceResult> {
  // Two clients, one socket each, opened before the first round so both requests leave together.
  const clients = [new HttpClient(baseUrl, 1), new HttpClient(baseUrl, 1)] as const;
  const result: RaceResult = { side, rounds, bothLeft: 0, oneRefused: 0, ownerless: 0, errors: [] };
  try {
    await Promise.all(clients.map((c) => c.request('GET', warm, {})));
    for (let n = 1; n <= rounds; n++) {
      const [a, b] = await Promise.allSettled([leave(clients[0], 'a', n), leave(clients[1], 'b', n)]);
      const refused = [a, b].filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
      if (refused.length === 0) result.bothLeft++;
      else if (refused.length === 1) result.oneRefused++;
      for (const r of refused) {
        const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
        if (refused.length === 2 && result.errors.length < 3) result.errors.push(message);
      }
    }
  } finally {
    for (const c of clients) c.close();
  }
  result.ownerless = await ownerless();
  return result;
}

export function runRosterRace(baseUrl: string, client: pg.Client, rounds: number): Promise<RaceResult> {
  return race(
    'roster',
    baseUrl,
    rounds,
    '/healthz',
    (c, who, n) =>
      trpcMutation(
        c,
        'members.leave',
        leaveInput(raceOrganizationId(n)),
        sessionHeaders(rosterToken(who, n), baseUrl),
      ),
    async () =>
      Number(
        (
          await client.query(
            `select count(*)::int n from organizations o where o.slug like 'race-o%' and not exists
             (select 1 from memberships m where m.organization_id = o.id and m.role = 'owner' and m.status = 'active')`,
          )
        ).rows[0].n,
      ),
  );
}

export function runPeerRace(baseUrl: string, client: pg.Client, rounds: number): Promise<RaceResult> {
  return race(
    'better-auth',
    baseUrl,
    rounds,
    '/readyz',
    (c, who, n) =>
      peerPost(c, baseUrl, '/organization/leave', peerCookie(peerToken(who, n)), {
        organizationId: raceOrganizationId(n),
      }),
    async () =>
      Number(
        (
          await client.query(
            `select count(*)::int n from organization o where o.slug like 'race-o%' and not exists
             (select 1 from member m where m."organizationId" = o.id and m.role = 'owner')`,
          )
        ).rows[0].n,
      ),
  );
}

/** For tests: the owners of race organization n. */
export const raceOwners = (n: number) => ({ a: owner('a', n), b: owner('b', n) });
