// The peer Roster is measured against: better-auth with its organization plugin, in a process of its
// own, served over HTTP by node:http (`toNodeHandler`), on a PostgreSQL database of its own.
//
//   node bench/peer/server.mjs --migrate   creates better-auth's tables (its own migrations) and exits
//   node bench/peer/server.mjs             serves /api/auth/* on HOST:PORT; GET /readyz answers 200
//
// Environment: DATABASE_URL, PEER_SECRET (signs the session cookies), HOST, PORT, PEER_BASE_URL
// (defaults to http://HOST:PORT), PEER_POOL_MAX (default 10, Roster's pool). Plain JavaScript run by
// node itself (no tsx, no bundle), like Roster's built server. It needs no network: telemetry off.
import http from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { organization } from 'better-auth/plugins';
import pg from 'pg';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');

const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.PEER_POOL_MAX ?? 10) });
// Every statement better-auth sends is one round trip to PostgreSQL; the bench reads the count
// (GET /bench/statements) around single operations, as it counts Roster's with Kysely's log hook.
let statements = 0;
pool.on('connect', (client) => {
  const query = client.query;
  client.query = function countedQuery(...args) {
    statements++;
    return query.apply(this, args);
  };
});

function options(baseURL) {
  return {
    baseURL,
    secret: process.env.PEER_SECRET ?? 'roster-bench-peer-secret-0123456789abcdef',
    database: pool,
    emailAndPassword: { enabled: true },
    // Rate limits out of the way, as for Roster (RATE_LIMIT_MAX raised); no telemetry, no network.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // The defaults otherwise: no cookie cache (every request reads its session, as Roster does).
    plugins: [organization()],
  };
}

if (process.argv.includes('--migrate')) {
  const { runMigrations } = await getMigrations(options('http://127.0.0.1'));
  await runMigrations();
  await pool.end();
  process.exit(0);
}

const server = http.createServer();
server.keepAliveTimeout = 65_000;
await new Promise((resolve) => server.listen(port, host, resolve));
const address = server.address();
const baseURL = process.env.PEER_BASE_URL ?? `http://${host}:${address.port}`;
const auth = betterAuth(options(baseURL));
const handler = toNodeHandler(auth);
server.on('request', (req, res) => {
  if (req.url === '/bench/statements') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statements }));
    return;
  }
  if (req.url === '/readyz') {
    pool.query('select 1').then(
      () => res.writeHead(200).end('ok'),
      () => res.writeHead(503).end('database'),
    );
    return;
  }
  handler(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
console.log(`peer listening on ${baseURL}`);

const stop = () => {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
