import type { Role } from '@roster/db';
import createClient from 'openapi-fetch';
import { expect } from 'vitest';
import { type IdentityTestServer, type SignedUp, seedOrganization, signUp } from '../identity/helpers';
import type { paths } from './roster-v1';

export interface RestAuth {
  cookie?: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Sent as `X-API-Key: <key>`. */
  xApiKey?: string;
  origin?: string;
}

/** A typed REST client (types generated from the served OpenAPI document), with a cookie or an API key. */
export function restClient(base: string, auth: RestAuth = {}) {
  const headers: Record<string, string> = {};
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.apiKey) headers.authorization = `Bearer ${auth.apiKey}`;
  if (auth.xApiKey) headers['x-api-key'] = auth.xApiKey;
  if (auth.origin) headers.origin = auth.origin;
  return createClient<paths>({ baseUrl: `${base}/v1`, headers });
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  hint: string;
  docs: string;
  requestId: string | null;
  errors?: Array<{ path: string; message: string }>;
  retryAfter?: number;
}

/** Checks an answer is an RFC 9457 problem with this status and reason, and returns it. */
export function expectProblem(response: Response, error: unknown, status: number, code: string): Problem {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = error as Problem;
  expect(problem).toMatchObject({
    type: `/docs/errors.md#${code.toLowerCase()}`,
    status,
    code,
    docs: `/docs/errors.md#${code.toLowerCase()}`,
    instance: new URL(response.url).pathname,
  });
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.hint.length).toBeGreaterThan(0);
  expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  return problem;
}

/** People signed up over HTTP, members of one new organization with these roles (the first is usually the owner). */
export async function organizationWithPeople(server: IdentityTestServer, roles: Role[]) {
  const people: SignedUp[] = [];
  for (const role of roles) people.push(await signUp(server.base, role));
  const org = await seedOrganization(
    server.db,
    people.map((person, i) => ({ userId: person.user.id, role: roles[i]! })),
  );
  const members = people.map((person, i) => ({
    ...person,
    role: roles[i]!,
    membershipId: org.memberships[person.user.id]!,
  }));
  return { id: org.id, slug: org.slug, members };
}
