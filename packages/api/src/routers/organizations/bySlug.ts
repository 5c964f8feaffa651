import { z } from 'zod';
import { RosterError } from '../../errors';
import { assertAccess, authedProcedure, resolveOrganizationAccess } from '../../procedures';
import { findOrganizationBySlug } from '../../queries/organizations';
import { ACCESS_RULES } from '../../rules';
import { slug } from '../../validation';
import { organizationOutput, organizationView } from './get';

export const organizationBySlugInput = z.strictObject({ slug });

/**
 * An organization the caller belongs to, by slug, with the caller's role (null for an API key).
 * Unknown slugs and organizations the caller is not a member of both answer ORGANIZATION_NOT_FOUND.
 */
export const bySlug = authedProcedure
  .input(organizationBySlugInput)
  .use(async ({ ctx, input, next }) => {
    const found = await findOrganizationBySlug(ctx.db, input.slug);
    if (!found) throw new RosterError('ORGANIZATION_NOT_FOUND');
    const access = await resolveOrganizationAccess(ctx.db, ctx.caller, found.id);
    assertAccess({ caller: ctx.caller, ...access }, ACCESS_RULES['organizations.bySlug']);
    return next({ ctx: access });
  })
  .output(organizationOutput)
  .query(({ ctx }) => organizationView(ctx));
