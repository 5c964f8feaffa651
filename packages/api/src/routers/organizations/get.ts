import { ORGANIZATION_STATUSES, type Organization, type Role } from '@roster/db';
import { z } from 'zod';
import { requireRole } from '../../procedures';
import { id, isoDateTime, isoTime, name, role, slug } from '../../validation';

export const getOrganizationInput = z.strictObject({ organizationId: id });

export const organizationOutput = z.object({
  id,
  slug,
  name,
  status: z.enum(ORGANIZATION_STATUSES),
  deletionScheduledAt: isoDateTime.nullable(),
  /** The end of the deletion's grace period: the purge deletes the organization after it. */
  deletionDueAt: isoDateTime.nullable(),
  /** The caller's role; null for an API key. */
  role: role.nullable(),
});

/** An organization as `organizations.get` and `organizations.bySlug` answer it. */
export function organizationView(access: {
  organization: Pick<
    Organization,
    'id' | 'slug' | 'name' | 'status' | 'deletion_scheduled_at' | 'deletion_due_at'
  >;
  membership: { role: Role } | null;
}): z.infer<typeof organizationOutput> {
  const { organization } = access;
  return {
    id: organization.id,
    slug: organization.slug,
    name: organization.name,
    status: organization.status,
    deletionScheduledAt: organization.deletion_scheduled_at
      ? isoTime(organization.deletion_scheduled_at)
      : null,
    deletionDueAt: organization.deletion_due_at ? isoTime(organization.deletion_due_at) : null,
    role: access.membership?.role ?? null,
  };
}

/** An organization the caller belongs to, by id, with the caller's role (null for an API key). */
export const get = requireRole('organizations.get')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}',
      summary: 'Get an organization',
      description: 'One organization the caller belongs to (or the API key’s own), with the caller’s role.',
      tags: ['organizations'],
    },
    reasons: ['ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_SCOPE'],
  })
  .input(getOrganizationInput)
  .output(organizationOutput)
  .query(({ ctx }) => organizationView(ctx));
