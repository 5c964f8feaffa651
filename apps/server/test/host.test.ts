import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostCheckFor, isHostAllowed } from '../src/host';
import { listenTestServer } from './identity/helpers';

/**
 * Issue 13, finding 9: the server answered any `Host`, so a DNS-rebinding page (an attacker's name
 * pointed at 127.0.0.1) could drive a local development server and its demo accounts as its own site.
 */

let t: TestDatabase;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  t = await createTestDatabase();
  let base: string;
  ({ app, base } = await listenTestServer({
    db: t.db,
    rateLimit: false,
    hostCheck: hostCheckFor({
      APP_URL: 'https://roster.example.com',
      ALLOWED_ORIGINS: ['http://app.test:5173'],
    }),
  }));
  port = Number(new URL(base).port);
});
afterAll(async () => {
  await app?.close();
  await t?.destroy();
});

/** A request to the server with the given Host header (fetch does not let a caller set one). */
function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

describe('the Host check', () => {
  it('refuses a rebinding name with 403 HOST_NOT_ALLOWED before anything runs', async () => {
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      'roster.example.com.evil',
    ]) {
      const answer = await get('/trpc/auth.me', host);
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body).error.data.reason, host).toBe('HOST_NOT_ALLOWED');
    }
    // A sign-in through a rebinding name writes nothing (no session row).
    const before = await t.db.selectFrom('sessions').select('id').execute();
    const signIn = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/trpc/auth.signIn',
          method: 'POST',
          headers: { host: 'evil.example', 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ email: 'ada@example.com', password: 'roster-demo' }));
    });
    expect(signIn).toBe(403);
    expect(await t.db.selectFrom('sessions').select('id').execute()).toEqual(before);
  });

  it('answers the configured hosts, the loopback names, and health probes by any name', async () => {
    for (const host of [
      'roster.example.com',
      'ROSTER.example.com',
      'app.test:5173',
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
    ]) {
      const answer = await get('/trpc/auth.me', host);
      expect([answer.status, JSON.parse(answer.body).error.data.reason], host).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
    }
    expect((await get('/healthz', '10.0.0.7:3000')).status).toBe(200);
    expect((await get('/readyz', '10.0.0.7:3000')).status).toBe(200);
  });

  it('is a pure decision on the Host value', () => {
    const check = hostCheckFor({ APP_URL: 'https://roster.example.com', ALLOWED_ORIGINS: [] });
    expect(isHostAllowed(undefined, check)).toBe(false);
    expect(isHostAllowed('roster.example.com:443', check)).toBe(false);
    expect(isHostAllowed('localhost', check)).toBe(true);
    expect(isHostAllowed('localhost.evil', check)).toBe(false);
    expect(isHostAllowed('anything', false)).toBe(true);
  });
});
