import { ROLES } from '@roster/db';
import { z } from 'zod';
import { ERROR_REASON_LIST, RosterError } from '../../errors';
import { accessActorOf, requireRole } from '../../procedures';
import { readOrganizationFacts } from '../../queries/organizations';
import { permissionsFor } from '../../rules';
import { id } from '../../validation';

export const permissionsInput = z.strictObject({ organizationId: id });

const permission = z.discriminatedUnion('allowed', [
  z.object({ allowed: z.literal(true) }),
  z.object({ allowed: z.literal(false), reason: z.enum(ERROR_REASON_LIST) }),
]);
const perRole = z.object(
  Object.fromEntries(ROLES.map((role) => [role, permission])) as Record<
    (typeof ROLES)[number],
    typeof permission
  >,
);

export const permissionsOutput = z.object({
  leave: permission,
  remove: perRole,
  changeRole: z.object(
    Object.fromEntries(ROLES.map((role) => [role, perRole])) as Record<
      (typeof ROLES)[number],
      typeof perRole
    >,
  ),
  invite: perRole,
  transferOwnership: permission,
  offerOwnership: permission,
  scheduleDeletion: permission,
  updateOrganization: permission,
  restore: permission,
  export: permission,
  manageApiKeys: permission,
  manageWebhooks: permission,
  readAuditLog: permission,
});

/**
 * "May I, and if not, why not": every action the caller could try in the organization, each
 * `{ allowed: true }` or `{ allowed: false, reason }`, computed from `ACCESS_RULES` and the same refusal
 * functions the procedures run under the organization lock (so a screen never re-implements a rule).
 * Open to every member and every API key of the organization. An answer, not a promise: the procedure
 * decides again under the lock.
 */
export const permissions = requireRole('organizations.permissions')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/permissions',
      summary: 'What may I do here, and if not, why not',
      description:
        'Every action the caller could try in the organization, each `{ allowed: true }` or `{ allowed: false, reason }`.',
      tags: ['organizations'],
    },
    reasons: ['ORGANIZATION_NOT_FOUND'],
  })
  .input(permissionsInput)
  .output(permissionsOutput)
  .query(async ({ ctx, input }) => {
    const facts = await readOrganizationFacts(ctx.db, input.organizationId);
    const actor = accessActorOf(ctx);
    if (!facts || !actor) throw new RosterError('ORGANIZATION_NOT_FOUND');
    return permissionsFor(actor, facts);
  });
