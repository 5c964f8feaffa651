import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND, listenTestServer } from './identity/helpers';

let t: TestDatabase;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, base } = await listenTestServer({ db: t.db }));
});
afterAll(async () => {
  await app?.close();
  await t?.destroy();
});

describe(`HTTP server (${DB_KIND})`, () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown procedure with a typed error, as plain JSON', async () => {
    const res = await fetch(`${base}/trpc/nope.nothing`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { data: { reason: string; hint: string; docs: string } } };
    expect(body.error.data.reason).toBe('PROCEDURE_NOT_FOUND');
    expect(body.error.data.docs).toBe('docs/errors.md#procedure_not_found');
  });
});
