import { z } from 'zod';
import { RosterError } from '../../errors';
import { requireRole } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { isUniqueViolation } from '../../queries/db';
import { updateOrganizationNameAndSlug } from '../../queries/organizations';
import { ACCESS_RULES, organizationUpdateRefusal } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id, name, slug } from '../../validation';

export const updateOrganizationInput = z
  .strictObject({ organizationId: id, name: name.optional(), slug: slug.optional() })
  .refine((input) => input.name !== undefined || input.slug !== undefined, {
    message: 'Send a new name, a new slug, or both',
    path: ['name'],
  });

export const updateOrganizationOutput = z.object({ id, slug, name });

/** Owners and admins; people only (an API key cannot rename the organization it belongs to). */
const rule = ACCESS_RULES['organizations.update'];

/**
 * Renames the organization and/or changes its slug (owners and admins). A slug another organization has:
 * SLUG_TAKEN; scheduled for deletion: ORGANIZATION_DELETION_SCHEDULED. A change writes one audit entry
 * (`organization.updated`, with the old and new values); sending the current values changes nothing and
 * writes nothing. Old links with the previous slug stop working: the slug is the address.
 */
export const update = requireRole('organizations.update')
  .meta({
    openapi: {
      method: 'PATCH',
      path: '/organizations/{organizationId}',
      summary: 'Rename an organization or change its slug',
      description:
        'Owners and admins (people only). Send `name`, `slug` or both; the current values change nothing. The ' +
        'slug is the address: links with the old one stop working.',
      tags: ['organizations'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'ORGANIZATION_DELETION_SCHEDULED',
      'SLUG_TAKEN',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(updateOrganizationInput)
  .output(updateOrganizationOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        const { organization } = await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule);
        const refusal = organizationUpdateRefusal({ organizationStatus: organization.status });
        if (refusal) throw new RosterError(refusal);
        const next = { name: input.name ?? organization.name, slug: input.slug ?? organization.slug };
        const changes: Record<string, { from: string; to: string }> = {};
        if (next.name !== organization.name) changes.name = { from: organization.name, to: next.name };
        if (next.slug !== organization.slug) changes.slug = { from: organization.slug, to: next.slug };
        if (Object.keys(changes).length === 0) {
          return { id: organization.id, slug: organization.slug, name: organization.name };
        }
        const updated = await updateOrganizationNameAndSlug(trx, organization.id, next);
        await insertAuditEntry(trx, {
          organizationId: organization.id,
          action: 'organization.updated',
          actorUserId: userId,
          actorApiKeyId: null,
          metadata: { changes },
        });
        return updated;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_key')) {
        throw new RosterError('SLUG_TAKEN', `The slug "${input.slug}" is taken`, {
          details: { slug: input.slug },
        });
      }
      throw error;
    }
  });
