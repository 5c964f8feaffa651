import type { Role } from '@roster/db';
import createClient from 'openapi-fetch';
import { expect } from 'vitest';
import { z } from 'zod';
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

interface DocumentedOperation {
  responses: Record<
    string,
    {
      content?: Record<
        string,
        { schema: { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } & object }
      >;
    }
  >;
}
type RestPath = keyof paths & string;
type RestVerb = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const documents = new Map<string, Promise<{ paths: Record<string, Record<string, DocumentedOperation>> }>>();

/** The OpenAPI document the server at `base` serves (fetched once per server). */
export function servedDocument(base: string) {
  let document = documents.get(base);
  if (!document) {
    document = fetch(`${base}/v1/openapi.json`).then(
      (res) => res.json() as Promise<{ paths: Record<string, Record<string, DocumentedOperation>> }>,
    );
    documents.set(base, document);
  }
  return document;
}

/**
 * Checks one answer against the document the server serves: the route documents the answer's status; a
 * success body matches that status's schema (converted with zod's `fromJSONSchema`: types, formats,
 * required fields, and no field the document does not name, so no secret slips into a list); a 204 has
 * no body; a refusal's `code` is one of the reasons the document lists under its status.
 */
export async function expectDocumented(
  base: string,
  route: `${RestVerb} ${RestPath}`,
  answer: { response: Response; data?: unknown; error?: unknown },
) {
  const [method, path] = route.split(' ') as [RestVerb, RestPath];
  const operation = (await servedDocument(base)).paths[path]?.[method.toLowerCase()];
  expect(operation, `${route} is not in the document`).toBeDefined();
  const status = String(answer.response.status);
  const documented = operation!.responses[status];
  expect(documented, `${route} does not document ${status}`).toBeDefined();
  if (status === '204') {
    expect(answer.data).toBeUndefined();
    expect(documented!.content).toBeUndefined();
    return;
  }
  if (answer.response.ok) {
    const schema = documented!.content?.['application/json']?.schema;
    expect(schema, `${route} ${status} has no JSON schema`).toBeDefined();
    const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(answer.data);
    expect(parsed.error?.issues ?? [], `${route} ${status} does not match the document`).toEqual([]);
    return;
  }
  const codes = documented!.content?.['application/problem+json']?.schema.allOf?.[1]?.properties?.code?.enum;
  expect(codes, `${route} ${status} lists no reasons`).toBeDefined();
  expect(codes).toContain((answer.error as Problem).code);
}

/** The organization's audit actions in the order they were written. */
export async function auditActions(server: IdentityTestServer, organizationId: string): Promise<string[]> {
  const rows = await server.db
    .selectFrom('audit_log')
    .select('action')
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.action);
}
