import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { type Caller, createCaller, createContextInner, reasonOf } from '@roster/api';
import type { Database, Role } from '@roster/db';
import type { TRPCError } from '@trpc/server';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Authenticate } from '../../src/app';
import { seedOrganization as seedOrganizationOf } from '../identity/helpers';

/** A user, straight into the database (no identity flow needed for these tests). */
export async function seedUser(db: Kysely<Database>, label = 'user') {
  const tag = randomUUID().slice(0, 8);
  return db
    .insertInto('users')
    .values({
      email: `${label}-${tag}@example.test`,
      name: `${label} ${tag}`,
      // A proven address (as after following the mailed link): these users accept invitations by id.
      email_verified_at: new Date(),
    })
    .returning(['id', 'email', 'name'])
    .executeTakeFirstOrThrow();
}

/** An organization with one new user as active member per role given (the first one is usually the owner). */
export async function seedOrganization(db: Kysely<Database>, roles: Role[] = ['owner']) {
  const users: Array<{ id: string; email: string; role: Role }> = [];
  for (const role of roles) users.push({ ...(await seedUser(db, role)), role });
  const { id, slug, memberships } = await seedOrganizationOf(
    db,
    users.map((user) => ({ userId: user.id, role: user.role })),
  );
  const members = users.map((user) => ({
    userId: user.id,
    membershipId: memberships[user.id]!,
    role: user.role,
    email: user.email,
  }));
  return { id, slug, members };
}

export function userCaller(userId: string): Caller {
  return { type: 'user', userId, sessionId: null };
}

export function callerFor(db: Kysely<Database>, caller: Caller | null) {
  return createCaller(createContextInner({ db, caller }));
}

/**
 * Test identity for HTTP: `x-test-user: <user id>` acts as that user, `x-test-api-key: <org id>` as a key
 * of that organization with every scope. The server's `authenticate` option is the product's seam for this.
 */
export const testAuthenticate: Authenticate = async (request) => {
  const user = request.headers['x-test-user'];
  if (typeof user === 'string' && user) return { type: 'user', userId: user, sessionId: null };
  const org = request.headers['x-test-api-key'];
  if (typeof org === 'string' && org) {
    return {
      type: 'apiKey',
      apiKeyId: randomUUID(),
      organizationId: org,
      scopes: ['members:read', 'members:write', 'audit:read'],
      actsForUserId: null,
    };
  }
  return null;
};

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver's answer: a status, or a status with headers (a redirect's `location`). */
type ReceiverAnswer = number | { status: number; headers: Record<string, string> };

/** A real HTTP receiver on a free port. `respond` decides each answer (default 200). */
export async function startReceiver() {
  const received: ReceivedRequest[] = [];
  let respond: (request: ReceivedRequest, index: number) => ReceiverAnswer = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      const answer = respond(request, received.length - 1);
      if (typeof answer === 'number') res.statusCode = answer;
      else res.writeHead(answer.status, answer.headers);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Distinct event ids received. */
    eventIds: () => received.map((r) => r.headers['roster-event-id'] as string),
    respondWith(fn: (request: ReceivedRequest, index: number) => ReceiverAnswer) {
      respond = fn;
    },
    /** Stops listening (the port refuses connections) until `reopen()`. */
    async down() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async reopen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async close() {
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Inserts an outbox event as a membership change would (until then, tests write them directly). */
export async function insertEvent(
  db: Kysely<Database>,
  organizationId: string,
  payload: Record<string, unknown> = {},
) {
  const row = await db
    .insertInto('outbox_events')
    .values({ organization_id: organizationId, type: 'member.removed', payload })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The stable reason a call was refused with (what `error.data.reason` says over HTTP). */
export async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return reasonOf(error as TRPCError);
  }
  throw new Error('expected the call to be refused');
}

/** Every application table (migrations' bookkeeping aside). */
export async function applicationTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  return rows.map((r) => r.table_name);
}

/**
 * One checksum per table over every row: equal snapshots mean nothing was written. An API key's
 * `last_used_at` is bookkeeping of authentication itself (at most one write per minute per key), not
 * an effect of the call, so it is left out.
 */
export async function snapshotTables(
  db: Kysely<Database>,
  tables: string[],
): Promise<Record<string, string>> {
  const parts = tables.map(
    (table) =>
      sql`select ${table} as name, count(*)::int as n, md5(coalesce(string_agg((to_jsonb(t) - 'last_used_at')::text, '|' order by (to_jsonb(t) - 'last_used_at')::text), '')) as sum from ${sql.table(table)} t`,
  );
  const { rows } = await sql<{
    name: string;
    n: number;
    sum: string;
  }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, `${r.n}:${r.sum}`]));
}

export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
}

/**
 * A TCP proxy in front of PostgreSQL, to take the database away and bring it back:
 * `down()` refuses new connections and cuts open ones; `blackhole()` accepts connections but never answers
 * (a network partition); `up()` restores normal service.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let mode: 'up' | 'blackhole' = 'up';
  let server: net.Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => {});
        if (mode === 'blackhole') return;
        const upstream = net.connect(target.port, target.host);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cutAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  await listen();
  return {
    get port() {
      return port;
    },
    /** The database URL through this proxy. */
    url(databaseUrl: string) {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async down() {
      cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async blackhole() {
      cutAll();
      mode = 'blackhole';
      if (!server.listening) await listen();
    },
    async up() {
      mode = 'up';
      cutAll();
      if (!server.listening) await listen();
    },
    async close() {
      cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A Postgres database whose connections can be made to stop right before a chosen statement, so a test can
 * cut the connection in the middle of a transaction (`pg_terminate_backend` from another connection).
 * Test-only: the server under test gets this Kysely instead of `createDatabase`'s.
 */
export function createInterruptibleDatabase(url: string) {
  let armed: { match: RegExp; onPause: (pid: number) => Promise<void>; fired: boolean } | null = null;
  class InterruptibleClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', () => {});
    }
    // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; this forwards them all.
    override query(...args: any[]): any {
      const text: unknown = typeof args[0] === 'string' ? args[0] : args[0]?.text;
      const trap = armed;
      if (trap && !trap.fired && typeof text === 'string' && trap.match.test(text)) {
        trap.fired = true;
        const pid = (this as unknown as { processID: number }).processID;
        // biome-ignore lint/suspicious/noExplicitAny: see above
        return trap.onPause(pid).then(() => (super.query as any)(...args));
      }
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return (super.query as any)(...args);
    }
  }
  const pool = new pg.Pool({
    Client: InterruptibleClient,
    connectionString: url,
    max: 5,
    lock_timeout: 5000,
  });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    /** The next statement matching `match` waits for `onPause(pid)` (which may kill that backend), then runs. */
    arm(match: RegExp, onPause: (pid: number) => Promise<void>) {
      armed = { match, onPause, fired: false };
    },
    get fired() {
      return armed?.fired ?? false;
    },
    disarm() {
      armed = null;
    },
  };
}

/**
 * Holds `select ... for update` on an organization's row in a connection of its own (as a concurrent
 * membership change would) until `release()`, which may be called more than once.
 */
export async function holdOrganizationLock(url: string, organizationId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('select id from organizations where id = $1 for update', [organizationId]);
  let released: Promise<void> | undefined;
  return {
    client,
    release() {
      released ??= client.query('rollback').then(() => client.end());
      return released;
    },
  };
}

/**
 * Waits until at least `count` backends of `client`'s database wait on a lock (only those running a
 * statement like `queryLike`, when given) and answers their pids; throws when they never do.
 */
export async function waitForLockWaiters(
  client: pg.Client,
  count = 1,
  queryLike?: string,
): Promise<number[]> {
  for (let i = 0; i < 500; i++) {
    // pg_stat_activity is snapshotted once per transaction: clear the snapshot to see new activity.
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock' and ($1::text is null or query ilike $1)`,
      [queryLike ?? null],
    );
    if (rows.length >= count) return rows.map((row) => row.pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} backends waiting on a lock`);
}

/** Kills a backend from another connection, as an operator or a crashed network path would. */
export async function terminateBackend(url: string, pid: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await client.end();
  }
}
