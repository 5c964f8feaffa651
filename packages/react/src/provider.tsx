import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { httpBatchLink } from '@trpc/client';
import { type ReactNode, useState } from 'react';
import { type RosterTRPCClient, trpc } from './trpc';

export interface CreateRosterTRPCClientOptions {
  /** The Roster server's base URL (`https://roster.example.com`); calls go to `<url>/trpc`. */
  url: string;
  /** Extra headers for every request (e.g. `Authorization: Bearer rst_...`, or a cookie outside a browser). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** A fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch;
}

/**
 * A tRPC client for the Roster router: batched HTTP, plain JSON, and `credentials: 'include'` so the
 * browser sends the session cookie (also across origins, when the server allows it).
 */
export function createRosterTRPCClient(options: CreateRosterTRPCClientOptions): RosterTRPCClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return trpc.createClient({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/+$/, '')}/trpc`,
        headers: options.headers,
        fetch: (input, init) => fetchImpl(input, { ...(init as RequestInit), credentials: 'include' }),
      }),
    ],
  });
}

export type RosterProviderProps = { children?: ReactNode } & (
  | (CreateRosterTRPCClientOptions & {
      /** Share the product's own QueryClient; a new one is made when omitted. */
      queryClient?: QueryClient;
      trpcClient?: never;
    })
  | {
      /** The product's own QueryClient and tRPC client (from `createRosterTRPCClient`, or its own links). */
      queryClient: QueryClient;
      trpcClient: RosterTRPCClient;
      url?: never;
    }
);

/**
 * Makes Roster's hooks work below it: `<RosterProvider url="https://roster.example.com">`, or
 * `<RosterProvider queryClient={queryClient} trpcClient={trpcClient}>` to share the product's own.
 * It also provides the QueryClient to `@tanstack/react-query` hooks below it.
 */
export function RosterProvider(props: RosterProviderProps) {
  // Made once per provider: a new client on every render would drop the cache.
  const [queryClient] = useState(() => props.queryClient ?? new QueryClient());
  const [trpcClient] = useState(
    () => props.trpcClient ?? createRosterTRPCClient(props as CreateRosterTRPCClientOptions),
  );
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{props.children}</QueryClientProvider>
    </trpc.Provider>
  );
}
