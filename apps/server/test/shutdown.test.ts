import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAuthenticate } from '../src/authenticate';
import { DB_KIND, listenTestServer } from './identity/helpers';

/**
 * Graceful shutdown with keep-alive clients (Node's fetch keeps connections open): a request in flight
 * when `close()` begins is answered, and its connection is then closed, so `close()` does not wait for
 * the client's keep-alive to run out (72 s — longer than this test may take).
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

describe(`graceful shutdown (${DB_KIND})`, () => {
  it('answers a request in flight when close() begins, then closes its keep-alive connection', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app, base } = await listenTestServer({
      db: t.db,
      // Holds the request marked `x-hold` inside the server until the gate opens.
      authenticate: async (request, db) => {
        if (request.headers['x-hold']) {
          arrived();
          await gate;
        }
        return defaultAuthenticate(request, db);
      },
    });

    // A first request opens a keep-alive connection; the held one reuses it or opens its own.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const held = fetch(`${base}/trpc/auth.me`, { headers: { 'x-hold': '1' } });
    await arrival;

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false); // still waiting for the request in flight

    release();
    const response = await held;
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'UNAUTHENTICATED',
    );
    expect(response.headers.get('connection')).toBe('close');
    await closing;
    expect(closed).toBe(true);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
