import { withReason } from '../cache';
import type { RosterMutationResult, RosterQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

export type Organization = RouterOutputs['organizations']['listMine'][number];

/** The caller's organizations (active memberships), with their role in each. */
export function useOrganizations(): RosterQueryResult<Organization[]> {
  return withReason(trpc.organizations.listMine.useQuery());
}

/** One organization by slug (for a `/:slug` route); the caller must be an active member. */
export function useOrganization(
  slug: string | undefined,
): RosterQueryResult<RouterOutputs['organizations']['bySlug']> {
  return withReason(trpc.organizations.bySlug.useQuery({ slug: slug ?? '' }, { enabled: Boolean(slug) }));
}

/** Creates an organization with the caller as its owner, and adds it to `useOrganizations()`. */
export function useCreateOrganization(
  options: { onCreated?: (organization: RouterOutputs['organizations']['create']) => void } = {},
): RosterMutationResult<RouterOutputs['organizations']['create'], CreateOrganizationInput> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.organizations.create.useMutation({
      onSuccess: async (organization) => {
        await utils.organizations.listMine.invalidate();
        options.onCreated?.(organization);
      },
    }),
  );
}

export type CreateOrganizationInput = RouterInputs['organizations']['create'];

export type UpdateOrganizationInput = RouterInputs['organizations']['update'];

/**
 * Renames an organization and/or changes its slug (owners and admins): `update.mutate({ organizationId,
 * name?, slug? })`. On success the cached `useOrganizations()` entry carries the new name and slug at once
 * (so a route keyed by the slug can follow it in `onUpdated`), and every cached query about the
 * organization (bySlug, its audit log) is refetched. `reason`: `SLUG_TAKEN`, `INSUFFICIENT_ROLE`,
 * `ORGANIZATION_DELETION_SCHEDULED`, ...
 */
export function useUpdateOrganization(
  options: { onUpdated?: (organization: RouterOutputs['organizations']['update']) => void } = {},
): RosterMutationResult<RouterOutputs['organizations']['update'], UpdateOrganizationInput> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.organizations.update.useMutation({
      onSuccess: (organization) => {
        utils.organizations.listMine.setData(undefined, (list) =>
          list?.map((entry) =>
            entry.id === organization.id
              ? { ...entry, name: organization.name, slug: organization.slug }
              : entry,
          ),
        );
        options.onUpdated?.(organization);
        void utils.organizations.listMine.invalidate();
        void utils.organizations.bySlug.invalidate();
        void utils.auditLog.invalidate();
      },
    }),
  );
}
