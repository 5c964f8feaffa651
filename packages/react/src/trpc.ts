import type { AppRouter } from '@roster/api';
import { createTRPCReact, type inferReactQueryProcedureOptions } from '@trpc/react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createContext } from 'react';

/**
 * The typed tRPC hooks for every Roster procedure, for product code that needs one without a
 * dedicated hook: `trpc.auditLog.list.useInfiniteQuery(...)`, `trpc.useUtils()`.
 * It has its own React context, so it never collides with a product's own `createTRPCReact()`.
 * `AppRouter` is imported as a type only: no server code reaches the bundle.
 */
export const trpc = createTRPCReact<AppRouter>({ context: createContext<unknown>(null) });

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RosterReactQueryOptions = inferReactQueryProcedureOptions<AppRouter>;
/** A tRPC client for Roster's router, as `createRosterTRPCClient` returns. */
export type RosterTRPCClient = ReturnType<typeof trpc.createClient>;
