import type { Query, QueryClient, QueryKey } from '@tanstack/react-query';
import { errorReason } from './errors';
import type { WithReason } from './results';

// tRPC's query keys are `[path[], { input?, type? }?]`, e.g. `[['members', 'list'], { input: {...}, type: 'infinite' }]`.
type KeyMeta = { input?: { organizationId?: unknown } } | undefined;

/** The key that matches every cached call of `path` (queries and infinite queries) with `organizationId` in its input. */
export function orgKey(path: readonly string[], organizationId: string): QueryKey {
  return [path, { input: { organizationId } }];
}

/** True for a cached Roster query about `organizationId`: its input names it, or (bySlug) its data is it. */
export function isAbout(query: Query, organizationId: string): boolean {
  const meta = query.queryKey[1] as KeyMeta;
  if (meta?.input?.organizationId === organizationId) return true;
  const path = query.queryKey[0] as unknown;
  return (
    Array.isArray(path) &&
    path[0] === 'organizations' &&
    path[1] === 'bySlug' &&
    (query.state.data as { id?: unknown } | undefined)?.id === organizationId
  );
}

/** Applies `update` to every cached list of `path` for the organization: plain pages and infinite ones. */
export function updatePages<Item>(
  queryClient: QueryClient,
  path: readonly string[],
  organizationId: string,
  update: (items: Item[]) => Item[],
): Array<[QueryKey, unknown]> {
  const filter = { queryKey: orgKey(path, organizationId) };
  const previous = queryClient.getQueriesData(filter);
  queryClient.setQueriesData(filter, (data: unknown) => {
    const infinite = data as { pages?: Array<{ items: Item[] }> } | undefined;
    if (infinite?.pages) {
      return { ...infinite, pages: infinite.pages.map((page) => ({ ...page, items: update(page.items) })) };
    }
    const page = data as { items?: Item[] } | undefined;
    return page?.items ? { ...page, items: update(page.items) } : data;
  });
  return previous;
}

/** Puts back what `updatePages` returned. */
export function restore(queryClient: QueryClient, previous: Array<[QueryKey, unknown]> | undefined): void {
  for (const [key, data] of previous ?? []) queryClient.setQueryData(key, data);
}

/** Adds `reason` (the server's stable error reason, or null) to a query or mutation result. */
export function withReason<T extends { error: unknown }>(result: T): T & WithReason {
  return Object.assign(result, { reason: errorReason(result.error) });
}

/**
 * A mutation whose answer holds a secret is dropped from the mutation cache as soon as no component uses
 * it (instead of TanStack's 5 minutes): the secret is shown once, not kept in memory behind the screen.
 */
export const SECRET_GC_TIME = 0;
