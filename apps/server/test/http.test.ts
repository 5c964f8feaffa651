import { randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND, listenTestServer, membershipStatus, mutate } from './identity/helpers';
import { seedOrganization, testAuthenticate } from './reliability/fixtures';

let t: TestDatabase;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, base } = await listenTestServer({ db: t.db, authenticate: testAuthenticate }));
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

  it('answers a refusal with its reason’s status on /trpc: 409 for the last owner, 410 while deletion is scheduled, 207 for a mixed batch', async () => {
    const org = await seedOrganization(t.db, ['owner']);
    const owner = org.members[0]!;
    const asOwner = { headers: { 'x-test-user': owner.userId } };
    const lastOwner = await mutate(base, 'members.leave', { organizationId: org.id }, asOwner);
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.error?.data).toMatchObject({
      reason: 'AT_LEAST_ONE_OWNER_REQUIRED',
      code: 'CONFLICT',
      httpStatus: 409,
    });

    const doomed = await seedOrganization(t.db, ['owner', 'member']);
    const [doomedOwner, doomedMember] = doomed.members;
    const scheduled = await mutate(
      base,
      'organizations.scheduleDeletion',
      { organizationId: doomed.id },
      { headers: { 'x-test-user': doomedOwner!.userId } },
    );
    expect(scheduled.status).toBe(200);
    const gone = await mutate(
      base,
      'members.leave',
      { organizationId: doomed.id },
      { headers: { 'x-test-user': doomedMember!.userId } },
    );
    expect(gone.status).toBe(410);
    expect(gone.body.error?.data).toMatchObject({
      reason: 'ORGANIZATION_DELETION_SCHEDULED',
      httpStatus: 410,
    });
    expect(await membershipStatus(t.db, doomedMember!.membershipId)).toBe('active');

    // A batch: one call refused with 409, one with 404; each call carries its own status.
    const res = await fetch(`${base}/trpc/members.leave,members.leave?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': owner.userId },
      body: JSON.stringify({ 0: { organizationId: org.id }, 1: { organizationId: doomed.id } }),
    });
    expect(res.status).toBe(207);
    const batch = (await res.json()) as Array<{ error: { data: { reason: string; httpStatus: number } } }>;
    expect(batch.map((call) => [call.error.data.reason, call.error.data.httpStatus])).toEqual([
      ['AT_LEAST_ONE_OWNER_REQUIRED', 409],
      ['ORGANIZATION_NOT_FOUND', 404],
    ]);
    // A batch whose calls agree answers their one status.
    const same = await fetch(`${base}/trpc/members.leave,members.leave?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': owner.userId },
      body: JSON.stringify({ 0: { organizationId: org.id }, 1: { organizationId: org.id } }),
    });
    expect(same.status).toBe(409);
    expect(await membershipStatus(t.db, owner.membershipId)).toBe('active');
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and a foreign body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const wrongMethod = await fetch(`${base}/trpc/members.leave`);
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'METHOD_NOT_ALLOWED',
    );
    const foreign = await fetch(`${base}/trpc/members.leave`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<leave/>',
    });
    expect(foreign.status).toBe(415);
    expect(((await foreign.json()) as { error: { data: { reason: string } } }).error.data).toMatchObject({
      reason: 'UNSUPPORTED_MEDIA_TYPE',
      httpStatus: 415,
    });
  });

  it('sends a tRPC answer whole, with a Content-Length and not chunked: an answer, a refusal, a batch', async () => {
    const org = await seedOrganization(t.db, ['owner']);
    const input = encodeURIComponent(JSON.stringify({ organizationId: org.id }));
    const batchInput = encodeURIComponent(
      JSON.stringify({ 0: { organizationId: org.id }, 1: { organizationId: randomUUID() } }),
    );
    const answers = await Promise.all([
      rawGet(`${base}/trpc/organizations.get?input=${input}`, { 'x-test-user': org.members[0]!.userId }),
      rawGet(`${base}/trpc/organizations.get?input=${input}`, {}),
      rawGet(`${base}/trpc/organizations.get,organizations.get?batch=1&input=${batchInput}`, {
        'x-test-user': org.members[0]!.userId,
      }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 207]);
    for (const answer of answers) {
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
      expect(answer.headers.vary).toBe('trpc-accept, accept');
      expect(JSON.parse(answer.body)).toBeTruthy();
    }
  });

  it('reads a JSON call from what Fastify parsed: a body with a byte order mark, and repeated headers, as fetch would', async () => {
    const org = await seedOrganization(t.db, ['owner', 'member']);
    const member = org.members[1]!;
    // A leading BOM is ignored, as fetch's Request.json() ignores it; the leave goes through.
    const res = await fetch(`${base}/trpc/members.leave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': member.userId },
      body: `\uFEFF${JSON.stringify({ organizationId: org.id })}`,
    });
    expect(res.status).toBe(200);
    expect(await membershipStatus(t.db, member.membershipId)).toBe('removed');
    // A body that is not JSON is refused as tRPC refuses it, and changes nothing.
    const owner = org.members[0]!;
    const broken = await fetch(`${base}/trpc/members.leave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': owner.userId },
      body: '{"organizationId":',
    });
    expect(broken.status).toBe(400);
    expect(await membershipStatus(t.db, owner.membershipId)).toBe('active');
    // tRPC reads `trpc-accept` and `accept` through Headers.get: a repeated Accept is joined, as fetch joins it.
    const input = encodeURIComponent(JSON.stringify({ organizationId: org.id }));
    const repeated = await rawGet(`${base}/trpc/organizations.get?input=${input}`, {
      'x-test-user': owner.userId,
      accept: 'application/json, text/plain',
    });
    expect(repeated.status).toBe(200);
    expect(JSON.parse(repeated.body).result.data.id).toBe(org.id);
  });

  it('hands a multipart body to tRPC as a real fetch Request (refused as input of the wrong kind, never a 500); octet-stream stays 415', async () => {
    const org = await seedOrganization(t.db, ['owner', 'member']);
    const member = org.members[1]!;
    const form = new FormData();
    form.set('organizationId', org.id);
    const multipart = await fetch(`${base}/trpc/members.leave`, {
      method: 'POST',
      headers: { 'x-test-user': member.userId },
      body: form,
    });
    expect(multipart.status).toBe(400);
    expect(((await multipart.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'VALIDATION_FAILED',
    );
    // No body parser takes octet-stream on /trpc: refused before tRPC, as a foreign body is.
    const octets = await fetch(`${base}/trpc/members.leave`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-test-user': member.userId },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(octets.status).toBe(415);
    expect(((await octets.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(await membershipStatus(t.db, member.membershipId)).toBe('active');
  });
});

/** A GET through node:http, to see the framing headers (Content-Length, Transfer-Encoding) as they were sent. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
