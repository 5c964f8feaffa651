import { z } from 'zod';
import { RosterError } from '../../errors';
import { userProcedure } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { isUniqueViolation } from '../../queries/db';
import { insertMembership } from '../../queries/memberships';
import { insertOrganization } from '../../queries/organizations';
import { id, name, slug } from '../../validation';

export const createOrganizationInput = z.strictObject({ name, slug });
export const createOrganizationOutput = z.object({ id, slug, name });

/**
 * Creates an organization with the caller as its owner (people only). A taken slug: SLUG_TAKEN.
 * The owner's membership is a membership change like any join: one audit entry (`organization.created`)
 * and one `member.added` outbox event (no invitation), in one statement.
 */
export const create = userProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations',
      summary: 'Create an organization',
      description: 'The caller (a person) becomes its owner.',
      tags: ['organizations'],
    },
    reasons: ['SESSION_REQUIRED', 'SLUG_TAKEN'],
  })
  .input(createOrganizationInput)
  .output(createOrganizationOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        const organization = await insertOrganization(trx, { name: input.name, slug: input.slug });
        const membership = await insertMembership(trx, {
          organizationId: organization.id,
          userId,
          role: 'owner',
        });
        await insertAuditEntryAndEvent(
          trx,
          {
            organizationId: organization.id,
            action: 'organization.created',
            actorUserId: userId,
            actorApiKeyId: null,
            targetUserId: userId,
            targetMembershipId: membership.id,
            metadata: { name: organization.name, slug: organization.slug },
          },
          {
            type: 'member.added',
            payload: {
              organizationId: organization.id,
              membershipId: membership.id,
              userId,
              role: 'owner',
              invitationId: null,
            },
          },
        );
        return { id: organization.id, slug: organization.slug, name: organization.name };
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
