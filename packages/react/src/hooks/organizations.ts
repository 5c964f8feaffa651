import { type UseMutationResult, useMutation } from '@tanstack/react-query';
import { withReason } from '../cache';
import type { RosterHookError, RosterMutationResult, RosterQueryResult, WithReason } from '../results';
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

export type ScheduleDeletionResult = RouterOutputs['organizations']['scheduleDeletion'];
export type OrganizationExport = RouterOutputs['organizations']['export'];

/**
 * Schedules the organization's deletion (owners): `scheduleDeletion.mutate({ organizationId })`. The
 * answer's `deletionDueAt` is the end of the grace period; `useOrganizations()` then shows the
 * organization with `status: 'deletion_scheduled'` and the permissions change (no leaving, no invitations).
 */
export function useScheduleDeletion(): RosterMutationResult<
  ScheduleDeletionResult,
  RouterInputs['organizations']['scheduleDeletion']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.organizations.scheduleDeletion.useMutation({
      onSettled: () => utils.organizations.invalidate(),
    }),
  );
}

/** Cancels a scheduled deletion during its grace period (owners): `restore.mutate({ organizationId })`. */
export function useRestoreOrganization(): RosterMutationResult<
  RouterOutputs['organizations']['restore'],
  RouterInputs['organizations']['restore']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.organizations.restore.useMutation({
      onSettled: () => utils.organizations.invalidate(),
    }),
  );
}

/**
 * Fetches the organization's export (owners): members, invitations and the audit log as JSON, until
 * the purge. `exportOrganization.mutateAsync({ organizationId })` resolves to it (not cached: it can be
 * large, and it is a snapshot).
 */
export function useExportOrganization(): UseMutationResult<
  OrganizationExport,
  RosterHookError,
  RouterInputs['organizations']['export']
> &
  WithReason {
  const utils = trpc.useUtils();
  return withReason(
    useMutation<OrganizationExport, RosterHookError, RouterInputs['organizations']['export']>({
      mutationFn: (input) => utils.client.organizations.export.query(input),
    }),
  );
}
