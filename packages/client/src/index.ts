import type { AppRouter, ErrorReason, RosterErrorData } from '@roster/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

// Types only from @roster/api: no server code reaches a program that bundles this client.
export type { AppRouter, ErrorReason, RosterErrorData };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export interface RosterClientOptions {
  /** The Roster server, e.g. `https://roster.example.com` (the API lives under `/trpc`; a URL ending in `/trpc` is used as is). */
  url: string;
  /** An organization API key, `rst_...`, sent as `Authorization: Bearer`. */
  apiKey: string;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Extra headers for every request (e.g. a tracing header). */
  headers?: Record<string, string>;
}

/** Where the tRPC endpoint is, given the server's base URL. */
export function trpcEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/trpc') ? trimmed : `${trimmed}/trpc`;
}

/**
 * A typed client for server-to-server calls with an API key:
 *
 * ```ts
 * const roster = createRosterClient({ url: 'https://roster.example.com', apiKey: process.env.ROSTER_API_KEY! });
 * const { items } = await roster.members.list.query({ organizationId });
 * ```
 *
 * Calls made in the same tick are batched into one HTTP request (`httpBatchLink`). A refusal throws a
 * `RosterClientError`: branch on `error.data.reason` (see `isRosterError`).
 */
export function createRosterClient(options: RosterClientOptions) {
  if (!options.apiKey.startsWith('rst_')) {
    throw new TypeError('createRosterClient: apiKey must be a Roster API key (rst_...)');
  }
  const authorization = `Bearer ${options.apiKey}`;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: trpcEndpoint(options.url),
        // The server refuses batches of more than 50 calls.
        maxItems: 50,
        // Long GET batches turn into several requests rather than one over-long URL.
        maxURLLength: 4000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: () => ({ ...options.headers, authorization }),
      }),
    ],
  });
}

export type RosterClient = ReturnType<typeof createRosterClient>;

/** An error answered by a Roster server: `data.reason` says why, `data.hint` what to do, `data.docs` where to read more. */
export type RosterClientError = TRPCClientError<AppRouter> & { data: RosterErrorData };

/**
 * True for an error a Roster server answered with (it carries `data.reason`). A network failure, or a
 * bug of your own, is not one: rethrow it.
 *
 * ```ts
 * try { await roster.members.remove.mutate({ organizationId, memberId }); }
 * catch (error) {
 *   if (isRosterError(error) && error.data.reason === 'MEMBER_NOT_FOUND') return; // already gone
 *   throw error;
 * }
 * ```
 */
export function isRosterError(error: unknown): error is RosterClientError {
  return (
    error instanceof TRPCClientError &&
    typeof (error as { data?: { reason?: unknown } | null }).data?.reason === 'string'
  );
}

/** The reason of a Roster refusal, or null for anything else. */
export function errorReason(error: unknown): ErrorReason | null {
  return isRosterError(error) ? error.data.reason : null;
}

/** True when `error` is a Roster refusal for one of `reasons`; narrows `error.data.reason` to them. */
export function hasReason<R extends ErrorReason>(
  error: unknown,
  ...reasons: R[]
): error is RosterClientError & { data: RosterErrorData & { reason: R } } {
  return isRosterError(error) && (reasons as ErrorReason[]).includes(error.data.reason);
}
