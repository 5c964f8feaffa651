import http from 'node:http';
import { appRouter, ERROR_REASON_LIST } from '@roster/api';
import type { Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT } from '../../src/app';
import { defaultAuthenticate } from '../../src/authenticate';
import { listenTestServer } from '../identity/helpers';
import {
  applicationTables,
  callerFor,
  changedTables,
  seedOrganization,
  snapshotTables,
  testAuthenticate,
  userCaller,
} from './fixtures';

let t: TestDatabase;
let db: Kysely<Database>;
let app: FastifyInstance;
let base: string;
let tables: string[];
let mine: Awaited<ReturnType<typeof seedOrganization>>;
let theirs: Awaited<ReturnType<typeof seedOrganization>>;
/** Values only organization B's data contains: none may ever appear in an answer to an outsider. */
let theirSecrets: string[];
let theirIds: string[];
let myKey: string;
const figures = { inputs: 0, refused: 0, accepted: 0, rawBodies: 0, violations: 0 };
const acceptedBy = new Map<string, number>();

/** Every procedure of the router, with its type and input keys, whatever the areas define today. */
const procedures = Object.entries(
  (
    appRouter._def as unknown as {
      procedures: Record<
        string,
        { _def: { type: string; inputs: Array<{ shape?: Record<string, unknown> }> } }
      >;
    }
  ).procedures,
).map(([path, procedure]) => ({
  path,
  type: procedure._def.type as 'query' | 'mutation',
  keys: [...new Set(procedure._def.inputs.flatMap((input) => Object.keys(input.shape ?? {})))],
}));

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  mine = await seedOrganization(db, ['owner', 'admin', 'member', 'viewer']);
  theirs = await seedOrganization(db, ['owner', 'admin', 'member']);
  const theirOwner = callerFor(db, userCaller(theirs.members[0]!.userId));
  const hook = await theirOwner.webhooks.create({
    organizationId: theirs.id,
    url: `https://theirs-${theirs.slug}.example.test/hook`,
  });
  const invitation = await db
    .insertInto('invitations')
    .values({
      organization_id: theirs.id,
      email: `invitee-${theirs.slug}@example.test`,
      role: 'member',
      invited_by: theirs.members[0]!.userId,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const key = await db
    .insertInto('api_keys')
    .values({
      organization_id: theirs.id,
      created_by: theirs.members[0]!.userId,
      name: `key-of-${theirs.slug}`,
      prefix: 'rst_theirs01',
      secret_hash: `hash-${theirs.slug}`,
      scopes: ['members:read'],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const org = await db
    .selectFrom('organizations')
    .select('name')
    .where('id', '=', theirs.id)
    .executeTakeFirstOrThrow();
  theirSecrets = [
    org.name,
    hook.secret,
    hook.url,
    `invitee-${theirs.slug}@example.test`,
    `key-of-${theirs.slug}`,
    `hash-${theirs.slug}`,
    ...theirs.members.map((m) => m.email),
  ];
  theirIds = [
    theirs.id,
    hook.id,
    invitation.id,
    key.id,
    ...theirs.members.flatMap((m) => [m.membershipId, m.userId]),
  ];
  tables = await applicationTables(db);
  // A real API key of organization A (the server's own key authentication checks it).
  const myKeyCreated = await callerFor(db, userCaller(mine.members[0]!.userId)).apiKeys.create({
    organizationId: mine.id,
    name: 'fuzz key',
    scopes: ['members:read', 'members:write', 'audit:read'],
  });
  myKey = myKeyCreated.key;
  // People through the test header, keys through Roster's own authentication.
  ({ app, base } = await listenTestServer({
    db,
    rateLimit: false,
    authenticate: async (request, database) =>
      request.headers['x-test-user']
        ? testAuthenticate(request, database)
        : defaultAuthenticate(request, database),
  }));
});

afterAll(async () => {
  await app?.close();
  await t?.destroy();
  console.log(
    `[reliability] hostile input (${t?.kind}): ${figures.inputs} generated inputs over HTTP to ${procedures.length} procedures ` +
      `(${figures.refused} refused with a 4xx and a reason, ${figures.accepted} accepted as valid), ` +
      `${figures.rawBodies} malformed raw bodies, violations: ${figures.violations}; accepted by ` +
      JSON.stringify(Object.fromEntries(acceptedBy)),
  );
});

type Who = 'anonymous' | 'member' | 'apiKey';

function headersFor(who: Who): Record<string, string> {
  if (who === 'member') return { 'x-test-user': mine.members[0]!.userId };
  if (who === 'apiKey') return { authorization: `Bearer ${myKey}` };
  return {};
}

interface Answer {
  status: number;
  text: string;
  json: { error?: { data?: { reason?: string; httpStatus?: number } } } | null;
}

async function call(
  procedure: { path: string; type: 'query' | 'mutation' },
  input: unknown,
  who: Who,
): Promise<Answer> {
  const headers = headersFor(who);
  let response: Response;
  const body = input === undefined ? undefined : JSON.stringify(input);
  if (procedure.type === 'query') {
    const query = body === undefined ? '' : `?input=${encodeURIComponent(body)}`;
    response = await fetch(`${base}/trpc/${procedure.path}${query}`, { headers });
  } else {
    response = await fetch(`${base}/trpc/${procedure.path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
  }
  return answerOf(response);
}

/** A response's status and text, and its JSON when it is JSON. */
async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Answer['json'] = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, text, json };
}

// ---------------------------------------------------------------- generators

const metacharacters = fc.constantFrom(
  "' OR '1'='1",
  "'; drop table memberships; --",
  '"; select pg_sleep(10); --',
  '\\',
  '%',
  '_',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${7*7}',
  '{{constructor.constructor("return process")()}}',
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud800',
  '🧨'.repeat(50),
  'Ω≈ç√∫˜µ≤≥÷',
  '__proto__',
  'constructor',
  'NaN',
  'null',
  'true',
  '',
  ' ',
  '\n\r\t',
);

/** Deep nesting: {a:{a:{a:...}}} and [[[...]]]. */
const deep = fc.tuple(fc.integer({ min: 10, max: 2000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});

function hostileValue(maxString: number) {
  const strings = fc.oneof(
    metacharacters,
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uuid(),
    fc.integer({ min: 201, max: maxString }).map((n) => 'x'.repeat(n)),
    fc.integer({ min: 100, max: Math.max(101, Math.floor(maxString / 4)) }).map((n) => '😀'.repeat(n)),
    fc.constantFrom(...theirIds),
    fc.constant(theirs.slug),
  );
  return fc.oneof(
    { weight: 5, arbitrary: strings },
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, 101, 1000),
    fc.boolean(),
    fc.constant(null),
    fc.array(strings, { maxLength: 5 }),
    deep,
    fc.anything({ maxDepth: 3 }),
  );
}

const KEYS = [
  'organizationId',
  'memberId',
  'invitationId',
  'webhookId',
  'apiKeyId',
  'role',
  'email',
  'name',
  'slug',
  'url',
  'description',
  'password',
  'scopes',
  'cursor',
  'limit',
  'keepApiKeys',
] as const;

function hostileInput(maxString: number) {
  const value = hostileValue(maxString);
  // Organization ids: another organization's, an unknown one, or garbage; this organization's only with
  // other fields hostile too.
  const organizationId = fc.oneof(fc.constant(theirs.id), fc.uuid(), value);
  const fields = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 });
  return fc.oneof(
    // Wrong types at the top level.
    { weight: 1, arbitrary: value },
    // Plausible shapes with hostile fields, aimed at another organization.
    {
      weight: 4,
      arbitrary: fc
        .tuple(organizationId, fields, fc.boolean())
        .map(([org, rest, withOrg]) => (withOrg ? { ...rest, organizationId: org } : rest)),
    },
    // This organization, but every other field hostile and ids from the other organization.
    {
      weight: 2,
      arbitrary: fc
        .record({
          memberId: fc.constantFrom(...theirIds),
          role: value,
          email: value,
        })
        .map((rest) => ({ organizationId: mine.id, ...rest })),
    },
    // Unknown keys and prototype tricks.
    {
      weight: 1,
      arbitrary: fc
        .tuple(organizationId, fc.string({ minLength: 1, maxLength: 20 }), value)
        .map(([org, key, v]) =>
          JSON.parse(
            `{"organizationId":${JSON.stringify(org)},"__proto__":{"admin":true},${JSON.stringify(`x${key}`)}:${JSON.stringify(v ?? null)}}`,
          ),
        ),
    },
  );
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/**
 * Cursors of the list procedures' own shape (base64url JSON of { at, id }) whose fields are crafted:
 * every calendar field over its whole two-digit (four for the year) range, so impossible dates such as
 * the 30th of February, hour 24 or second 60 are common; ids valid or not; and extra or missing keys.
 * Once, such a cursor reached the database and answered 500.
 */
const craftedCursor = fc
  .record({
    at: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 999_999 }),
      )
      .map(
        ([y, mo, d, h, mi, s, us]) =>
          `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}Z`,
      ),
    id: fc.oneof(fc.uuid(), fc.constantFrom('x', '', '00000000-0000-0000-0000-000000000000')),
  })
  .chain((position) =>
    fc.oneof(
      fc.constant(position),
      fc.constant({ at: position.at }),
      fc.constant({ ...position, extra: 1 }),
      fc.constant([position.at, position.id]),
    ),
  )
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));

/**
 * The procedure's own input shape, each field either plausible (so the call gets past validation into
 * the handler and the database) or hostile: this is what finds values zod lets through but the database
 * refuses (a NUL character in a name), and handlers that trust a field.
 */
function shapedInput(keys: string[], maxString: number) {
  const hostile = hostileValue(maxString);
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    organizationId: fc.constantFrom(theirs.id, mine.id, '00000000-0000-4000-8000-000000000000'),
    memberId: fc.constantFrom(...theirIds),
    invitationId: fc.constantFrom(...theirIds),
    webhookId: fc.constantFrom(...theirIds),
    apiKeyId: fc.constantFrom(...theirIds),
    role: fc.constantFrom('member', 'viewer', 'admin', 'owner'),
    email: fc.nat().map((n) => `fuzz-${n}@example.test`),
    name: fc.constantFrom('A name', 'Ünïcødé ✓', '<b>bold</b>'),
    slug: fc.nat().map((n) => `fuzz-${n}`),
    url: fc.constantFrom('https://fuzz.example.test/hook', 'http://127.0.0.1:1/x'),
    description: fc.constantFrom('ok', ''),
    password: fc.constant('correct horse battery staple'),
    scopes: fc.constantFrom(['members:read'], ['members:write', 'audit:read']),
    cursor: fc.oneof(fc.constantFrom('abc', undefined), craftedCursor),
    limit: fc.integer({ min: 1, max: 100 }),
    keepApiKeys: fc.boolean(),
  };
  // NUL and other characters PostgreSQL text cannot hold, inside otherwise plausible strings.
  const unstorable = fc.constantFrom('a\u0000b', '\u0000', 'x\ud800y');
  const field = (key: string) =>
    fc.oneof(
      { weight: 3, arbitrary: plausible[key] ?? hostile },
      { weight: 2, arbitrary: hostile },
      { weight: 1, arbitrary: unstorable },
    );
  return fc.record(Object.fromEntries(keys.map((k) => [k, field(k)])));
}

// ---------------------------------------------------------------- checks

function assertRefusalOrHarmless(answer: Answer, context: string, count = true) {
  if (answer.status >= 500) {
    figures.violations++;
    throw new Error(`${context}: answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
  for (const secret of theirSecrets) {
    if (answer.text.includes(secret)) {
      figures.violations++;
      throw new Error(`${context}: the answer leaks another organization's data (${secret})`);
    }
  }
  if (answer.status >= 400) {
    const reason = answer.json?.error?.data?.reason;
    if (!reason || !(ERROR_REASON_LIST as string[]).includes(reason)) {
      figures.violations++;
      throw new Error(`${context}: ${answer.status} without a known reason: ${answer.text.slice(0, 300)}`);
    }
    if (count) figures.refused++;
  } else if (count) {
    figures.accepted++;
  }
}

describe(`hostile input over HTTP (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('finds procedures to fuzz', () => {
    expect(procedures.length).toBeGreaterThan(0);
    console.log(
      `[reliability] fuzzing ${procedures.length} procedures: ${procedures.map((p) => p.path).join(', ')}`,
    );
  });

  it('answers every generated input with a 4xx and a reason (or harmless success), never a 500, never another organization’s data, and writes nothing when it refuses', async () => {
    const whoArb = fc.constantFrom<Who>('anonymous', 'member', 'apiKey');
    const procedureArb = fc.constantFrom(...procedures);
    // GET puts the input in the URL: keep it under the URL limit there (bodies get the big strings).
    const queryInput = hostileInput(1500);
    const mutationInput = hostileInput(60_000);
    await fc.assert(
      fc.asyncProperty(
        procedureArb.chain((p) =>
          fc.tuple(
            fc.constant(p),
            fc.oneof(
              p.type === 'query' ? queryInput : mutationInput,
              shapedInput(p.keys, p.type === 'query' ? 1500 : 60_000),
            ),
            whoArb,
          ),
        ),
        async ([procedure, input, who]) => {
          figures.inputs++;
          const before = await snapshotTables(db, tables);
          const answer = await call(procedure, input, who);
          const context = `${procedure.path} as ${who} with ${JSON.stringify(input)?.slice(0, 200)}`;
          assertRefusalOrHarmless(answer, context);
          if (answer.status < 400) acceptedBy.set(procedure.path, (acceptedBy.get(procedure.path) ?? 0) + 1);
          const after = await snapshotTables(db, tables);
          const changed = changedTables(before, after);
          if (answer.status >= 400 && changed.length > 0) {
            figures.violations++;
            throw new Error(`${context}: refused with ${answer.status} but changed ${changed.join(', ')}`);
          }
          // Whatever was accepted, nothing of the other organization changed.
          if (changed.length > 0) await assertTheirsUntouched();
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });

  // Found by review: a cursor of the right shape with the 30th of February reached the database (500).
  it('answers crafted list cursors with 200 or VALIDATION_FAILED, never a 500, for members, keys and both lists', async () => {
    const lists = procedures.filter((p) => p.path === 'members.list' || p.path === 'auditLog.list');
    expect(lists.map((p) => p.path).sort()).toEqual(['auditLog.list', 'members.list']);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lists),
        craftedCursor,
        fc.constantFrom<Who>('member', 'apiKey'),
        async (procedure, cursor, who) => {
          figures.inputs++;
          const answer = await call(procedure, { organizationId: mine.id, cursor }, who);
          assertRefusalOrHarmless(answer, `${procedure.path} as ${who} with cursor ${cursor}`);
          if (answer.status >= 400) {
            expect(answer.json?.error?.data?.reason).toBe('VALIDATION_FAILED');
            refused++;
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) / 2 },
    );
    // Nearly every crafted date is impossible: the property did exercise the refusal.
    expect(refused).toBeGreaterThan(0);
  });

  // Shrunk by the property above: organizations.create({ name: 'a\u0000b', slug: 'fuzz-0' }) answered 500
  // (PostgreSQL text cannot hold NUL). Every procedure now refuses such text before its handler runs.
  it('refuses text PostgreSQL cannot store (NUL, lone surrogates) with VALIDATION_FAILED naming the field, writing nothing', async () => {
    const before = await snapshotTables(db, tables);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['organizations.create', { name: 'a\u0000b', slug: 'nul-slug' }, 'name'],
      [
        'auth.signUp',
        { name: 'a\u0000b', email: 'nul@example.test', password: 'correct horse battery' },
        'name',
      ],
      ['apiKeys.create', { organizationId: mine.id, name: 'k\u0000', scopes: ['members:read'] }, 'name'],
      [
        'webhooks.create',
        { organizationId: mine.id, url: 'https://x.test/', description: '\ud800' },
        'description',
      ],
      ['organizations.create', { name: 'ok', slug: 'ok', 'x\u0000': 1 }, 'x\u0000'],
    ];
    for (const [path, input, field] of cases) {
      figures.inputs++;
      const answer = await call({ path, type: 'mutation' }, input, 'member');
      expect(answer.status).toBe(400);
      const data = answer.json?.error?.data as { reason: string; issues?: Array<{ path: string }> };
      expect(data.reason).toBe('VALIDATION_FAILED');
      expect(data.issues?.[0]?.path).toBe(field);
      figures.refused++;
    }
    expect(changedTables(before, await snapshotTables(db, tables))).toEqual([]);
  });

  it('answers malformed and hostile raw bodies with a 4xx and a reason, writing nothing', async () => {
    const before = await snapshotTables(db, tables);
    const mutations = procedures.filter((p) => p.type === 'mutation').slice(0, 10);
    const target = mutations[0]?.path ?? 'webhooks.create';
    const bodies: Array<{ body: string; type?: string; method?: string; path?: string }> = [
      { body: '{' },
      { body: 'not json' },
      { body: '' },
      { body: '{"organizationId":' },
      { body: '\u0000\u0001\u0002' },
      { body: '{"__proto__":{"isAdmin":true},"organizationId":"x"}' },
      { body: '{"constructor":{"prototype":{"isAdmin":true}}}' },
      { body: '[1,2,3]' },
      { body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
      { body: '{"organizationId":"a"}', type: 'text/plain' },
      { body: '{"organizationId":"a"}', type: 'application/x-www-form-urlencoded' },
      { body: 'organizationId=a', type: 'application/x-www-form-urlencoded' },
      { body: '<xml/>', type: 'application/xml' },
      { body: '{}', method: 'PUT' },
      { body: '{}', method: 'DELETE' },
      { body: '{}', path: '..%2F..%2Fetc%2Fpasswd' },
      { body: '{}', path: 'members/leave/../../x' },
      { body: '{}', path: '%zz' },
      { body: '{}', path: 'nope.nothing' },
      { body: '{}', path: `${'a'.repeat(3000)}` },
    ];
    for (const path of mutations.map((p) => p.path)) bodies.push({ body: '{}', method: 'GET', path });
    for (const b of bodies) {
      for (const who of ['anonymous', 'member'] as const) {
        figures.rawBodies++;
        const method = b.method ?? 'POST';
        const response = await fetch(`${base}/trpc/${b.path ?? target}`, {
          method,
          headers: { ...headersFor(who), 'content-type': b.type ?? 'application/json' },
          body: method === 'GET' ? undefined : b.body,
        });
        assertRefusalOrHarmless(
          await answerOf(response),
          `${method} ${b.path ?? target} ${b.type ?? ''} ${b.body.slice(0, 40)}`,
          false,
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
    }
    expect(changedTables(before, await snapshotTables(db, tables))).toEqual([]);
  });

  it('answers hostile batches (tRPC ?batch=1) call by call with reasons, refuses oversized batches, writes nothing', async () => {
    const before = await snapshotTables(db, tables);
    const mutations = procedures.filter((p) => p.type === 'mutation').map((p) => p.path);
    const batches: Array<{ paths: string[]; body: string }> = [
      {
        paths: ['members.leave', 'members.remove'],
        body: JSON.stringify({ 0: { organizationId: theirs.id }, 1: 'x' }),
      },
      {
        paths: mutations.slice(0, 8),
        body: JSON.stringify(
          Object.fromEntries(
            mutations.slice(0, 8).map((_, i) => [i, { organizationId: theirs.id, memberId: theirIds[1] }]),
          ),
        ),
      },
      { paths: ['members.leave', 'members.leave'], body: '[1,2]' },
      { paths: ['members.leave'], body: JSON.stringify({ 5: { organizationId: theirs.id } }) },
      { paths: Array(60).fill('members.leave'), body: '{}' },
      { paths: ['nope.nothing', 'members.leave'], body: '{}' },
    ];
    for (const batch of batches) {
      for (const who of ['anonymous', 'member', 'apiKey'] as const) {
        figures.rawBodies++;
        const response = await fetch(`${base}/trpc/${batch.paths.join(',')}?batch=1`, {
          method: 'POST',
          headers: { ...headersFor(who), 'content-type': 'application/json' },
          body: batch.body,
        });
        const text = await response.text();
        const context = `batch ${batch.paths.length}x as ${who}: ${text.slice(0, 300)}`;
        expect(response.status, context).toBeLessThan(500);
        for (const secret of theirSecrets) expect(text.includes(secret), context).toBe(false);
        const json = JSON.parse(text) as unknown;
        const answers = (Array.isArray(json) ? json : [json]) as Array<{
          result?: unknown;
          error?: { data?: { reason?: string } };
        }>;
        for (const answer of answers) {
          // Each call of a batch: a refusal with a known reason, or a harmless success (auth.signOut).
          if (answer.error)
            expect(ERROR_REASON_LIST as string[], context).toContain(answer.error.data?.reason);
          else expect(answer, context).toHaveProperty('result');
        }
      }
    }
    expect(changedTables(before, await snapshotTables(db, tables))).toEqual([]);
  });

  it('refuses an oversized body with 413 PAYLOAD_TOO_LARGE before reading it', async () => {
    const before = await snapshotTables(db, tables);
    // A declared Content-Length over the limit: refused from the headers alone.
    const big = JSON.stringify({
      organizationId: mine.id,
      url: `https://x.test/${'a'.repeat(DEFAULT_BODY_LIMIT)}`,
    });
    const response = await fetch(`${base}/trpc/webhooks.create`, {
      method: 'POST',
      headers: { ...headersFor('member'), 'content-type': 'application/json' },
      body: big,
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.data).toMatchObject({
      reason: 'PAYLOAD_TOO_LARGE',
      httpStatus: 413,
      docs: 'docs/errors.md#payload_too_large',
      requestId: expect.any(String),
    });
    expect(body.error.message).toContain(String(DEFAULT_BODY_LIMIT));

    // 50 MB announced, 1 KB sent: the answer comes without the rest of the body, so it was never read whole.
    const partial = await unfinishedPost({ 'content-length': String(50 * 1024 * 1024) }, (request) =>
      request.write(`{"organizationId":"${'a'.repeat(1000)}`),
    );
    expect(partial.status).toBe(413);
    expect(JSON.parse(partial.text).error.data.reason).toBe('PAYLOAD_TOO_LARGE');

    // Chunked, no Content-Length: counted while streaming, refused once past the limit.
    const chunked = await unfinishedPost({ 'transfer-encoding': 'chunked' }, (request) => {
      const chunk = 'a'.repeat(16 * 1024);
      request.write('{"x":"');
      for (let i = 0; i < 12; i++) request.write(chunk);
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).error.data.reason).toBe('PAYLOAD_TOO_LARGE');

    // Just under the limit is read and validated as usual (a VALIDATION_FAILED, not a 413).
    const under = await fetch(`${base}/trpc/webhooks.create`, {
      method: 'POST',
      headers: { ...headersFor('member'), 'content-type': 'application/json' },
      body: JSON.stringify({
        organizationId: mine.id,
        url: `https://x.test/${'a'.repeat(DEFAULT_BODY_LIMIT - 200)}`,
      }),
    });
    expect(under.status).toBe(400);
    expect(((await under.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'VALIDATION_FAILED',
    );
    expect(changedTables(before, await snapshotTables(db, tables))).toEqual([]);
  });
});

/**
 * A JSON POST to webhooks.create whose body `write` starts but never finishes: the answer is whatever the
 * server says before the body is complete (then the request is dropped).
 */
function unfinishedPost(
  headers: http.OutgoingHttpHeaders,
  write: (request: http.ClientRequest) => void,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}/trpc/webhooks.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    request.on('error', reject);
    request.on('response', (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text });
        request.destroy();
      });
    });
    write(request);
  });
}

async function assertTheirsUntouched() {
  const org = await db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', theirs.id)
    .executeTakeFirstOrThrow();
  expect(org.status).toBe('active');
  const members = await db
    .selectFrom('memberships')
    .select(['id', 'status', 'role'])
    .where('organization_id', '=', theirs.id)
    .orderBy('id')
    .execute();
  expect(members.every((m) => m.status === 'active')).toBe(true);
  expect(members).toHaveLength(theirs.members.length);
  for (const m of theirs.members) expect(members.find((x) => x.id === m.membershipId)?.role).toBe(m.role);
  const hooks = await db
    .selectFrom('webhooks')
    .select('id')
    .where('organization_id', '=', theirs.id)
    .execute();
  expect(hooks).toHaveLength(1);
  const keys = await db
    .selectFrom('api_keys')
    .select('revoked_at')
    .where('organization_id', '=', theirs.id)
    .execute();
  expect(keys.every((k) => k.revoked_at === null)).toBe(true);
  const invitations = await db
    .selectFrom('invitations')
    .select('status')
    .where('organization_id', '=', theirs.id)
    .execute();
  expect(invitations.every((i) => i.status === 'pending')).toBe(true);
}
