import { SECRET_GC_TIME, withReason } from '../cache';
import type { RosterMutationResult, RosterQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

/** An API key as `useApiKeys` lists it: prefix, scopes, creator, dates and `status` (never the secret). */
export type ApiKey = RouterOutputs['apiKeys']['list']['items'][number];
export type CreateApiKeyInput = RouterInputs['apiKeys']['create'];
/** `apiKeys.create`'s answer: `key` is the secret, shown this once. */
export type CreatedApiKey = RouterOutputs['apiKeys']['create'];

/**
 * The organization's API keys, newest first (owners and admins), revoked and expired ones included
 * unless `includeRevoked: false`; each has `status`: `active`, `expired` or `revoked`.
 */
export function useApiKeys(
  organizationId: string,
  options: { includeRevoked?: boolean } = {},
): RosterQueryResult<RouterOutputs['apiKeys']['list']> {
  return withReason(
    trpc.apiKeys.list.useQuery({ organizationId, includeRevoked: options.includeRevoked ?? true }),
  );
}

/**
 * Creates a key: `create.mutate({ organizationId, name, scopes, expiresAt? })`; the answer's `key` is the
 * secret, in this answer only. The organization's key lists (and audit log) are refetched.
 */
export function useCreateApiKey(): RosterMutationResult<CreatedApiKey, CreateApiKeyInput> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.apiKeys.create.useMutation({
      gcTime: SECRET_GC_TIME,
      onSettled: (_result, _error, { organizationId }) => {
        void utils.apiKeys.list.invalidate({ organizationId });
        void utils.auditLog.invalidate();
      },
    }),
  );
}

/** Revokes a key: `revoke.mutate({ organizationId, apiKeyId })`; it stops working with the commit. */
export function useRevokeApiKey(): RosterMutationResult<
  RouterOutputs['apiKeys']['revoke'],
  RouterInputs['apiKeys']['revoke']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.apiKeys.revoke.useMutation({
      onSettled: (_result, _error, { organizationId }) => {
        void utils.apiKeys.list.invalidate({ organizationId });
        void utils.auditLog.invalidate();
      },
    }),
  );
}
